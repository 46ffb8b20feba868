'use strict';
// Benchmark peer: Node.js (appendix-peers).
const fs = require('fs');
const { setImmediate: nextTurn, setTimeout: sleepMs } = require('timers/promises');

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
    await sleepMs(10);
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
  await sleepMs(1000);
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
const WORKLOADS = {
  W1: [spawnAndGather, 100000], W2: [pingPong, 1000000],
  W4: [semaphoreWorkers, 50], W5: [millionSleepers, 1000000],
};

const [name, nArgument, ...extra] = process.argv.slice(2);
const n = nArgument === undefined ? WORKLOADS[name]?.[1] : Number(nArgument);
if (!Object.hasOwn(WORKLOADS, name ?? '') || extra.length > 0 || !(n >= 2)) {
  console.error('usage: node peer_node.js W1|W2|W4|W5 [N >= 2]');
  process.exit(2);
}
WORKLOADS[name][0](n);
