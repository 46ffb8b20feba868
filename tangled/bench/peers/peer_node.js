'use strict';
// Benchmark peer: Node.js (appendix-peers).
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const { setImmediate: nextTurn, setTimeout: sleepFor } = require('timers/promises');

function report(workload, metric, value) {
  console.log(`RESULT ${workload} node ${metric} ${value}`);
}

function peakRssBytes() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error('no VmHWM line in /proc/self/status');
  return Number(match[1]) * 1024;
}

function cpuMs(since) {
  const usage = process.cpuUsage(since);
  return (usage.user + usage.system) / 1e3;
}
async function yieldOnce() {
  await nextTurn();
}

async function spawnAndGather(n) {
  const start = performance.now();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(yieldOnce());
  await Promise.all(tasks);
  const elapsedMs = performance.now() - start;
  report('W1', 'us_per_task', (elapsedMs / n * 1e3).toFixed(3));
}
async function yieldTimes(count) {
  for (let i = 0; i < count; i++) await nextTurn();
}

async function pingPong(n) {
  const half = Math.floor(n / 2);
  const start = performance.now();
  await Promise.all([yieldTimes(half), yieldTimes(half)]);
  const elapsedMs = performance.now() - start;
  report('W2', 'ns_per_switch', (elapsedMs / (2 * half) * 1e6).toFixed(1));
}
function sleepMs(i) {
  return Number(BigInt(i) * 2654435761n % 4294967291n % 100n);
}

async function randomSleepers(n) {
  let longest = 0;
  for (let i = 0; i < n; i++) longest = Math.max(longest, sleepMs(i));
  const start = performance.now();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(sleepFor(sleepMs(i)));
  await Promise.all(tasks);
  report('W3', 'late_ms', (performance.now() - start - longest).toFixed(2));
}
class Semaphore {
  constructor(permits) {
    this.permits = permits;
    this.waiters = [];
  }

  acquire() {
    if (this.permits > 0) {
      this.permits--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release() {
    const next = this.waiters.shift();
    if (next === undefined) this.permits++;
    else next();
  }
}
async function limitedWorker(semaphore) {
  await semaphore.acquire();
  try {
    await sleepFor(10);
  } finally {
    semaphore.release();
  }
}

async function semaphoreWorkers(n) {
  const semaphore = new Semaphore(5);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const workers = [];
  for (let i = 0; i < n; i++) workers.push(limitedWorker(semaphore));
  await Promise.all(workers);
  report('W4', 'wall_ms', (performance.now() - start).toFixed(1));
  report('W4', 'cpu_ms', cpuMs(cpuStart).toFixed(2));
}
async function sleepOneSecond() {
  await sleepFor(1000);
}

async function millionSleepers(n) {
  const rssBefore = peakRssBytes();
  const start = performance.now();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(sleepOneSecond());
  await Promise.all(tasks);
  const elapsedMs = performance.now() - start;
  report('W5', 'past_sleep_s', (elapsedMs / 1e3 - 1).toFixed(3));
  report('W5', 'bytes_per_task', ((peakRssBytes() - rssBefore) / n).toFixed(0));
}
function listenForConnections() {
  const accepted = [];
  let waiting = null;
  const server = net.createServer({ noDelay: true }, (socket) => {
    accepted.push(socket);
    if (waiting !== null && accepted.length >= waiting.count) waiting.resolve();
  });
  const acceptedAtLeast = (count) => new Promise((resolve) => {
    if (accepted.length >= count) resolve(); else waiting = { count, resolve };
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', 4096, () => resolve({ server, accepted, acceptedAtLeast })));
}
async function connectClients(port, n, afterEachThousand = async () => {}) {
  const clients = [];
  while (clients.length < n) {
    const connecting = [];
    for (let i = Math.min(1000, n - clients.length); i > 0; i--) {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      clients.push(socket);
      connecting.push(new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject)));
    }
    await Promise.all(connecting);
    await afterEachThousand(clients.length);
  }
  return clients;
}

async function connectedPairs(n) {   // both ends in this process
  const { server, accepted, acceptedAtLeast } = await listenForConnections();
  const clients = await connectClients(server.address().port, n, acceptedAtLeast);
  server.close();
  return [accepted, clients];
}
function echoBack(socket) {
  socket.on('data', (data) => socket.write(data));
  socket.on('end', () => socket.end());
  return new Promise((resolve) => socket.on('close', resolve));
}

async function askAndWait(socket, roundTrips) {
  const message = Buffer.alloc(64, 'p');
  let received = 0, wake = null;
  socket.on('data', (data) => {
    received += data.length;
    if (received >= 64 && wake !== null) { const resume = wake; wake = null; resume(); }
  });
  const closed = new Promise((resolve) => socket.on('close', resolve));
  for (let i = 0; i < roundTrips; i++) {
    socket.write(message);
    if (received < 64) await new Promise((resolve) => { wake = resolve; });
    received -= 64;
  }
  socket.end();
  await closed;
}
async function echoPairs(n) {
  const roundTrips = roundTripsEach ?? Math.max(Math.floor(200000 / n), 1);
  if (n > CLIENTS_APART_PAST) return echoPairsApart(n, roundTrips);
  const [servers, clients] = await connectedPairs(n);
  const start = performance.now();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(echoBack(servers[i]), askAndWait(clients[i], roundTrips));
  await Promise.all(tasks);
  const elapsedMs = performance.now() - start;
  report('W6', 'round_trips_per_s', (n * roundTrips / elapsedMs * 1e3).toFixed(0));
}
const CLIENTS_APART_PAST = 1000;   // connections

async function echoPairsApart(n, roundTrips) {
  const { server, accepted, acceptedAtLeast } = await listenForConnections();
  const clients = spawn(process.execPath, [__filename, 'W6-clients', n, roundTrips, server.address().port],
                        { stdio: ['pipe', 'inherit', 'inherit'] });
  let clientsEnded = false;
  const clientsExit = new Promise((resolve) => clients.once('exit', (code) => { clientsEnded = true; resolve(code); }));
  await Promise.race([acceptedAtLeast(n), clientsExit]);
  if (clientsEnded) throw new Error("peer_node.js: the clients' process ended before connecting");
  server.close();
  clients.stdin.end('g');
  const start = performance.now();
  await Promise.all(accepted.map(echoBack));
  const elapsedMs = performance.now() - start;
  if (await clientsExit !== 0) throw new Error("peer_node.js: the clients' process failed");
  report('W6', 'round_trips_per_s', (n * roundTrips / elapsedMs * 1e3).toFixed(0));
}
async function clientsOf(port, n, roundTrips) {   // the second process's part
  const clients = await connectClients(port, n);
  await new Promise((resolve, reject) => {
    process.stdin.once('data', resolve).once('end', () => reject(new Error('peer_node.js: no word to start')));
  });
  await Promise.all(clients.map((socket) => askAndWait(socket, roundTrips)));
}
const WORKLOADS = {
  W1: [spawnAndGather, 100000], W2: [pingPong, 1000000], W3: [randomSleepers, 100000],
  W4: [semaphoreWorkers, 50], W5: [millionSleepers, 1000000], W6: [echoPairs, 100],
};

const [name, nArgument, eachArgument, ...extra] = process.argv.slice(2);
const n = nArgument === undefined ? WORKLOADS[name]?.[1] : Number(nArgument);
const roundTripsEach = eachArgument === undefined ? undefined : Number(eachArgument);
if (name === 'W6-clients' && extra.length === 1) {
  clientsOf(Number(extra[0]), n, roundTripsEach);
} else if (!Object.hasOwn(WORKLOADS, name ?? '') || extra.length > 0 || !(n >= 2)
           || (roundTripsEach !== undefined && (name !== 'W6' || !(roundTripsEach >= 1)))) {
  console.error('usage: node peer_node.js W1|W2|W3|W4|W5 [N >= 2] | W6 [N [ROUND_TRIPS_EACH]]');
  process.exit(2);
} else {
  WORKLOADS[name][0](n);
}
