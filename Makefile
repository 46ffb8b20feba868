# The book's build: `make` tangles, builds, runs the demos and weaves the book;
# `make check` runs every test; `make bench` runs the benchmarks.
# Everything generated goes to build/. See the appendix "How this book is made".

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDEXPANSION:
MAKEFLAGS += --no-builtin-rules --no-print-directory

B        := build
# What is compiled is a copy of tangled/ with #line directives, so that
# compiler errors and gdb point into the book; tangled/ itself is for reading.
L        := $(B)/lined
CHAPTERS := $(sort $(wildcard book/[0-9][0-9]-*.nw))
BOOK     := $(CHAPTERS) $(sort $(wildcard book/A[0-9]-*.nw))
NOWEB    := /usr/lib/noweb
CC       := gcc
# -fstack-clash-protection: a large frame touches each of its pages, so an overflow always
# meets the guard below a task's stack instead of jumping it (chapter 2).
CFLAGS   := -std=c11 -Wall -Wextra -Werror -g -O2 -D_FORTIFY_SOURCE=2 -fstack-clash-protection
TOOLCC   := $(CC) -std=c11 -Wall -Wextra -Werror -O2

# Variants of the runtime the tests run on: the assembly context switch,
# the portable ucontext one, the epoll backend instead of select() (appendix "epoll"),
# and the assembly one under ASan + UBSan.
VARIANT_FLAGS_asm      :=
VARIANT_FLAGS_ucontext := -DAIO_CORO_UCONTEXT
VARIANT_FLAGS_epoll    := -DAIO_BACKEND_EPOLL
VARIANT_FLAGS_asan     := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -U_FORTIFY_SOURCE
# ThreadSanitizer, for the tests that use threads (chapter 9's pool) only: it is not told
# about the coroutines' stack switches, which suits a few tasks, not 100,000.
VARIANT_FLAGS_tsan     := -O1 -fsanitize=thread -fno-omit-frame-pointer
# The runtime without chapter 11's hooks, only to measure what they cost (make bench, and
# the instruction counts the book shows).
VARIANT_FLAGS_untraced := -DAIO_WITHOUT_INSIDE
TSAN_TESTS              = $(filter ch09_%,$(TESTS))

.PHONY: all check bench clean tangle build setup check-tangled test-variants test-prefixes test-tools \
        test-commands test-parity valgrind stress

all: tangle
	@$(MAKE) build
	@echo "The book: $(B)/book.html and $(B)/book.pdf"

# Every step runs even when an earlier one fails (-k); each records its results in
# build/results, and the summary line is printed on every run. It fails if a test failed,
# or if a step failed without a test result to say so (a test that did not compile).
check: tangle
	@rm -rf $(B)/results && mkdir -p $(B)/results
	@$(MAKE) build || echo "build: 0 passed, 1 failed" > $(B)/results/build.txt
	@$(MAKE) -k check-tangled test-tools test-commands test-parity test-install test-variants test-prefixes \
	  valgrind || touch $(B)/results/.incomplete
	@summary=0; cat $(B)/results/*.txt | awk -f tangled/tools/sum-checks.awk || summary=1; \
	 if [ -e $(B)/results/.incomplete ] && [ $$summary = 0 ]; then \
	   echo "check: but a step failed without a test result (see above)"; summary=1; fi; \
	 exit $$summary

# ---- set-up and tangling (the only steps that run before tangled/ is trusted) ----

setup: $(B)/.setup
$(B)/.setup: tangled/tools/setup.sh
	@bash tangled/tools/setup.sh
	@mkdir -p $(B) && touch $@

$(B)/tools/%: tangled/tools/%.c tangled/tools/stream.c tangled/tools/stream.h | $(B)/.setup
	@mkdir -p $(@D)
	$(TOOLCC) -o $@ $< tangled/tools/stream.c

tangle: $(B)/.tangled
$(B)/.tangled: $(BOOK) $(B)/tools/tangle | $(B)/.setup
	$(NOWEB)/markup $(BOOK) | $(B)/tools/tangle --cache $(B)/tangle
	$(NOWEB)/markup $(BOOK) | $(B)/tools/tangle --line-directives --into $(L) --cache $(B)/lined.last
	@touch $@

check-tangled: $(B)/tools/tangle
	@$(NOWEB)/markup $(BOOK) | $(B)/tools/tangle --check
	@echo "tangled/ is exactly what the book tangles to"

# ---- everything below runs in a second make, after tangling ----

SOURCES := $(wildcard tangled/src/*.c tangled/src/*.S)
DEMOS   := $(basename $(notdir $(wildcard tangled/demos/*.c)))
TESTS   := $(basename $(notdir $(wildcard tests/ch[0-9][0-9]_*.c)))

build: $(B)/asm/libaio.a $(DEMOS:%=$(B)/bin/%) $(DEMOS:%=$(B)/out/%.txt) $(B)/book.html $(B)/book.pdf \
       $(B)/bench/aio_bench $(B)/bench/aio_bench_untraced $(B)/bench/aio_bench_epoll $(FIGURES) $(B)/compile_commands.json

# The library and tests of one variant: $(B)/VARIANT/...
define variant
$(B)/$(1)/obj/%.o: $(L)/tangled/src/%.c $(wildcard $(L)/tangled/src/*.h $(L)/tangled/include/*.h)
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(VARIANT_FLAGS_$(1)) -I$(L)/tangled/include -c -o $$@ $$<
$(B)/$(1)/obj/%.o: $(L)/tangled/src/%.S
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(VARIANT_FLAGS_$(1)) -c -o $$@ $$<
$(B)/$(1)/libaio.a: $(patsubst tangled/src/%,$(B)/$(1)/obj/%.o,$(basename $(SOURCES)))
	@rm -f $$@
	ar rcs $$@ $$^
$(B)/$(1)/tests/%: tests/%.c tests/test_util.h $(B)/$(1)/libaio.a
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(VARIANT_FLAGS_$(1)) -I$(L)/tangled/include -I$(L)/tangled/src -Itests -o $$@ $$< $(B)/$(1)/libaio.a $$$$(pkg-config --libs check)
endef
$(foreach v,asm ucontext epoll asan tsan untraced,$(eval $(call variant,$(v))))

$(B)/bin/%: $(L)/tangled/demos/%.c $(B)/asm/libaio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(L)/tangled/include -o $@ $< $(B)/asm/libaio.a -lm -pthread

# The benchmark program is built with everything else, so it never rots;
# aio_bench_epoll is the same program on the epoll backend.
$(B)/bench/aio_bench: $(L)/tangled/bench/aio_bench.c $(L)/tangled/bench/pairs.h $(B)/asm/libaio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(L)/tangled/include -I$(L)/tangled/src -o $@ $< $(B)/asm/libaio.a
$(B)/bench/aio_bench_epoll: $(L)/tangled/bench/aio_bench.c $(L)/tangled/bench/pairs.h $(B)/epoll/libaio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(L)/tangled/include -I$(L)/tangled/src -o $@ $< $(B)/epoll/libaio.a

$(B)/bench/aio_bench_untraced: $(L)/tangled/bench/aio_bench.c $(L)/tangled/bench/pairs.h $(B)/untraced/libaio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VARIANT_FLAGS_untraced) -I$(L)/tangled/include -I$(L)/tangled/src -o $@ $< $(B)/untraced/libaio.a

# What chapter 11's hooks cost when they are off, in instructions counted by callgrind.
$(B)/out/tracing_cost.txt $(B)/out/tracing_cost.facts &: $(B)/bench/aio_bench $(B)/bench/aio_bench_untraced \
                                                         tangled/tools/tracing-cost.sh
	@mkdir -p $(@D)
	bash tangled/tools/tracing-cost.sh $(B)/bench/aio_bench $(B)/bench/aio_bench_untraced > $(B)/out/tracing_cost.run
	grep -v '^FACT ' $(B)/out/tracing_cost.run > $(B)/out/tracing_cost.txt
	grep '^FACT ' $(B)/out/tracing_cost.run > $(B)/out/tracing_cost.facts

# Each demo's real output (both streams), captured once with --facts: the book shows
# it without the FACT lines (NAME.txt), and its prose quotes and checks them (NAME.facts).
# The same run writes the demo's trace, from which its figure is drawn (chapter 11).
$(B)/out/%.txt $(B)/out/%.facts: $(B)/bin/%
	@mkdir -p $(@D) $(B)/trace
	AIO_TRACE=$(B)/trace/$*.json $< --facts > $(B)/out/$*.run 2>&1
	grep -v '^FACT ' $(B)/out/$*.run > $(B)/out/$*.txt || true
	grep '^FACT ' $(B)/out/$*.run > $(B)/out/$*.facts || true

# Each Python twin's run, once, under chapter 11's recorder: on asyncio's real clock,
# its output, facts and trace, from which the figure under its demo's is drawn.
TWINS := $(basename $(notdir $(wildcard tangled/py/*.py)))
$(B)/out/%_py.txt $(B)/out/%_py.facts: tangled/py/%.py tangled/tools/twin-trace.py
	@mkdir -p $(@D) $(B)/trace
	/usr/bin/python3 tangled/tools/twin-trace.py $(B)/trace/$*_py.json $< --facts > $(B)/out/$*_py.run 2>&1
	grep -v '^FACT ' $(B)/out/$*_py.run > $(B)/out/$*_py.txt || true
	grep '^FACT ' $(B)/out/$*_py.run > $(B)/out/$*_py.facts || true

# The pitfall demos once more, in debug mode (chapter 11).
DEBUG_RUNS := pitfall_blocking pitfall_forgot
$(B)/out/%.debug.txt: $(B)/bin/%
	@mkdir -p $(@D)
	AIO_DEBUG=1 AIO_SLOW_MS=50 stdbuf -oL $< > $@ 2>&1

# ---- figures (chapter 11): timelines drawn from the demos' traces, and Graphviz drawings ----
TIMELINES := $(shell awk -F'|' '/^[a-z]/ {gsub(/ /, "", $$1); print $$1}' tangled/figures/timelines.txt 2>/dev/null)
DRAWINGS  := $(basename $(notdir $(wildcard tangled/figures/*.dot)))
FIGURES   := $(foreach f,$(TIMELINES) $(DRAWINGS),$(B)/figures/$(f).svg $(B)/figures/$(f).pdf)
TIMELINE_TOOLS := tangled/tools/timeline.py tangled/tools/check-trace.py tangled/figures/timelines.txt
$(foreach form,svg pdf,$(TIMELINES:%=$(B)/figures/%.$(form))): $(B)/figures/%: $(B)/out/$$(basename $$*).txt $(TIMELINE_TOOLS)
	@mkdir -p $(@D)
	python3 tangled/tools/check-trace.py $(B)/trace/$(basename $*).json
	python3 tangled/tools/timeline.py tangled/figures/timelines.txt $(basename $*) \
	  $(B)/trace/$(basename $*).json $(subst .,,$(suffix $*)) $@ > $@.gp
	gnuplot $@.gp
$(foreach form,svg pdf,$(DRAWINGS:%=$(B)/figures/%.$(form))): $(B)/figures/%: tangled/figures/$$(basename $$*).dot
	@mkdir -p $(@D)
	dot -T$(subst .,,$(suffix $*)) -o $@ $<

# Code that exists to show a compiler warning: compiled without -Werror,
# its warnings captured; the build fails if the warning goes away.
PITFALLS := $(basename $(notdir $(wildcard tangled/pitfalls/*.c)))
$(B)/out/%.txt: $(L)/tangled/pitfalls/%.c $(L)/tangled/include/aio.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -I$(L)/tangled/include -c -o /dev/null $< 2> $@
	@grep -q 'warning: ignoring return value' $@

# ---- the book ----

# noweb's stream with its cross references: the weaver reads it twice,
# once to write the Markdown and once to link the chunk uses in what
# pandoc made of it.
$(B)/book.stream: $(BOOK)
	$(NOWEB)/markup $(BOOK) | $(NOWEB)/finduses | $(NOWEB)/noidx > $@

$(B)/book.md: $(B)/book.stream $(B)/tools/weave $(DEMOS:%=$(B)/out/%.txt) $(DEMOS:%=$(B)/out/%.facts) \
              $(TWINS:%=$(B)/out/%_py.facts) \
              $(PITFALLS:%=$(B)/out/%.txt) \
              $(B)/out/bench_table.txt $(B)/out/bench_scaling.txt $(B)/out/bench_floors.txt $(B)/bench/chart.svg $(B)/bench/chart.pdf \
              $(DEBUG_RUNS:%=$(B)/out/%.debug.txt) $(B)/out/tracing_cost.txt $(B)/out/bench_tracing.txt \
              $(B)/out/bench.facts
	$(B)/tools/weave --outputs $(B)/out < $< > $@
	@bash tangled/tools/about.sh > $(B)/about.yaml

PANDOC := pandoc --from markdown --toc --toc-depth=2 --number-sections --highlight-style=pygments \
          --metadata-file=$(B)/about.yaml

# Figures are named without an extension in the book: SVG for the HTML, PDF for the PDF.
$(B)/book.html: $(B)/book.md tangled/tools/book.css $(filter %.svg,$(FIGURES))
	$(PANDOC) --resource-path=.:$(B) --default-image-extension=svg \
	  --standalone --self-contained --css tangled/tools/book.css -o $(B)/book.pandoc.html $<
	$(B)/tools/weave --link-uses html $(B)/book.pandoc.html < $(B)/book.stream > $@

# pandoc runs LaTeX itself (as often as the cross references need); the
# engine it is given first links the chunk uses in the LaTeX it wrote.
$(B)/book.pdf: $(B)/book.md tangled/tools/book.tex tangled/tools/lualatex $(filter %.pdf,$(FIGURES))
	@mkdir -p $(B)/engine && cp tangled/tools/lualatex $(B)/engine/lualatex && chmod +x $(B)/engine/lualatex
	WEAVE=$(CURDIR)/$(B)/tools/weave BOOK_STREAM=$(CURDIR)/$(B)/book.stream \
	$(PANDOC) --resource-path=.:$(B) --default-image-extension=pdf --pdf-engine=$(CURDIR)/$(B)/engine/lualatex --top-level-division=chapter -H tangled/tools/book.tex \
	  -V documentclass=report -V papersize=a4 -V geometry:margin=2.2cm \
	  -V mainfont="DejaVu Serif" -V sansfont="DejaVu Sans" \
	  -V monofont="DejaVu Sans Mono" -V monofontoptions=Scale=0.85 \
	  -V colorlinks=true -V linkcolor=NavyBlue -V urlcolor=NavyBlue -o $@ $<

# ---- installing the runtime (GNU conventions: PREFIX or prefix, DESTDIR) ----

PREFIX       ?= /usr/local
prefix       ?= $(PREFIX)
includedir   ?= $(prefix)/include
libdir       ?= $(prefix)/lib
pkgconfigdir ?= $(libdir)/pkgconfig
INSTALL      ?= install

.PHONY: install uninstall test-install
$(B)/aio.pc: tangled/tools/aio.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(prefix)|' -e 's|@INCLUDEDIR@|$(includedir)|' -e 's|@LIBDIR@|$(libdir)|' $< > $@

# aio.pc is remade every time: it holds the directories of this very command.
install: $(B)/asm/libaio.a
	@rm -f $(B)/aio.pc && $(MAKE) $(B)/aio.pc
	$(INSTALL) -d $(DESTDIR)$(includedir)/aio $(DESTDIR)$(libdir) $(DESTDIR)$(pkgconfigdir)
	$(INSTALL) -m 644 tangled/include/aio.h $(DESTDIR)$(includedir)/aio/aio.h
	$(INSTALL) -m 644 $(B)/asm/libaio.a $(DESTDIR)$(libdir)/libaio.a
	$(INSTALL) -m 644 $(B)/aio.pc $(DESTDIR)$(pkgconfigdir)/aio.pc

uninstall:
	rm -f $(DESTDIR)$(includedir)/aio/aio.h $(DESTDIR)$(libdir)/libaio.a $(DESTDIR)$(pkgconfigdir)/aio.pc
	-rmdir $(DESTDIR)$(includedir)/aio 2> /dev/null

test-install: $(B)/asm/libaio.a
	@mkdir -p $(B)/results
	@bash tangled/tools/check-install.sh tangled/demos/d1_gather.c 2>&1 | tee $(B)/results/install.txt

# For editors (clangd and others find build/compile_commands.json): how each
# file of tangled/ is compiled, in the directory of this Makefile.
COMPILE_UNITS := $(wildcard tangled/src/*.c tangled/demos/*.c tangled/bench/*.c tangled/tools/*.c) \
                 $(wildcard tests/*.c)
$(B)/compile_commands.json: Makefile $(BOOK)
	@mkdir -p $(@D)
	@( echo '['; sep=' '; for f in $(COMPILE_UNITS); do \
	    printf '%s{"directory": "%s", "file": "%s",\n  "command": "%s -Itangled/include -Itangled/src -Itests -Itangled/tools -c %s"}\n' \
	      "$$sep" "$(CURDIR)" "$$f" "$(CC) $(CFLAGS)" "$$f"; sep=','; done; echo ']' ) > $@

# ---- tests ----

RUN_TESTS = ( failed=0; for t in $(2); do echo "== $(1) $$t"; CK_FORK=yes $(B)/$(1)/tests/$$t || failed=1; done; exit $$failed ) 2>&1 | tee $(B)/results/$(1).txt

test-variants: $(foreach v,asm ucontext epoll asan,$(TESTS:%=$(B)/$(v)/tests/%)) $(TSAN_TESTS:%=$(B)/tsan/tests/%)
	@mkdir -p $(B)/results
	@$(call RUN_TESTS,asm,$(TESTS))
	@$(call RUN_TESTS,ucontext,$(TESTS))
	@$(call RUN_TESTS,epoll,$(TESTS))
	@export ASAN_OPTIONS=detect_leaks=1; $(call RUN_TESTS,asan,$(TESTS))
	@export TSAN_OPTIONS=halt_on_error=1; $(call RUN_TESTS,tsan,$(TSAN_TESTS))

# Valgrind memcheck over the asm variant's tests (no fork, so leaks are seen).
valgrind: $(TESTS:%=$(B)/asm/tests/%)
	@mkdir -p $(B)/results
	@( failed=0; for t in $(TESTS); do echo "== valgrind $$t"; \
	  CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	    $(B)/asm/tests/$$t || failed=1; done; exit $$failed ) 2>&1 | tee $(B)/results/valgrind.txt

# `make stress SEEDS="1 2 3" TASKS=100000`: long runs of the seeded stress test
# (tests/ch10_stress.c; `make check` runs it on a few fixed seeds). A failing seed
# prints the command that reproduces it.
SEEDS           ?= 1 2 3
TASKS           ?= 100000
STRESS_VARIANTS ?= asm ucontext asan
stress: tangle
	@$(MAKE) $(STRESS_VARIANTS:%=$(B)/%/tests/ch10_stress)
	@failed=0; for v in $(STRESS_VARIANTS); do for s in $(SEEDS); do echo "== stress $$v, seed $$s"; \
	  $(B)/$$v/tests/ch10_stress --seed $$s --tasks $(TASKS) || failed=1; done; done; exit $$failed

# Every command README.md and notes.md show still works.
test-commands:
	@mkdir -p $(B)/results
	@bash tangled/tools/check-commands.sh README.md notes.md 2>&1 | tee $(B)/results/commands.txt

# Every demo and its Python twin tell the same story: their --facts match.
test-parity: $(DEMOS:%=$(B)/bin/%)
	@mkdir -p $(B)/results
	@bash tangled/tools/parity.sh $(B)/bin $(wildcard tangled/py/*.py) 2>&1 | tee $(B)/results/parity.txt

# Every prefix of the book builds and passes its own chapters' tests.
test-prefixes: $(B)/tools/tangle
	@mkdir -p $(B)/results
	@bash tangled/tools/check-prefixes.sh "$(CC) $(CFLAGS)" $(CHAPTERS) 2>&1 | tee $(B)/results/prefixes.txt

test-tools: $(B)/tools/tangle $(B)/tools/weave $(B)/asm/tests/tools_weave $(B)/bench/aio_bench $(B)/bench/aio_bench_epoll
	@mkdir -p $(B)/results
	@$(B)/asm/tests/tools_weave 2>&1 | tee $(B)/results/tools.txt

$(B)/asm/tests/tools_weave: tests/tools_weave.c tests/test_util.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -o $@ $< $$(pkg-config --libs check)

# `make bench`: every workload on this runtime and its peers, ROUNDS times, interleaved.
# It writes build/bench/results.txt, refreshes the committed bench/results.txt (the
# figures every build of the book shows) and prints the tables; `make` then weaves them.
ROUNDS ?= 5
bench: tangle
	@bash tangled/tools/setup.sh bench
	@$(MAKE) $(B)/bench/aio_bench $(B)/bench/aio_bench_untraced $(B)/bench/aio_bench_epoll
	@mkdir -p $(B)/bench $(B)/out bench
	bash tangled/bench/run.sh $(ROUNDS) > $(B)/bench/results.txt
	cp $(B)/bench/results.txt bench/results.txt
	@$(MAKE) $(B)/out/bench_table.txt $(B)/out/bench_scaling.txt $(B)/out/bench_tracing.txt $(B)/out/bench_floors.txt
	@cat $(B)/out/bench_table.txt; echo; cat $(B)/out/bench_scaling.txt; echo; cat $(B)/out/bench_tracing.txt; echo; cat $(B)/out/bench_floors.txt

# The book's benchmark tables and chart, from the committed results.
# What the prose claims of the committed results, checked as the demos' facts are.
$(B)/out/bench.facts: bench/results.txt tangled/bench/table.awk
	@mkdir -p $(@D)
	awk -v what=facts -f tangled/bench/table.awk $< > $@

# bench_table, bench_scaling, bench_tracing, bench_floors: one view each of the same results.
$(B)/out/bench_%.txt: bench/results.txt tangled/bench/table.awk
	@mkdir -p $(@D)
	awk -v what=$* -f tangled/bench/table.awk $< > $@
$(B)/bench/chart.tsv: bench/results.txt tangled/bench/table.awk
	@mkdir -p $(@D)
	awk -v what=chart -f tangled/bench/table.awk $< > $@
$(B)/bench/chart.svg: $(B)/bench/chart.tsv tangled/bench/chart.gp
	gnuplot -e "data='$<'; set terminal svg size 760,400 dynamic font 'DejaVu Sans,12'; set output '$@'" tangled/bench/chart.gp
$(B)/bench/chart.pdf: $(B)/bench/chart.tsv tangled/bench/chart.gp
	gnuplot -e "data='$<'; set terminal pdfcairo size 15cm,8cm font 'DejaVu Sans,10'; set output '$@'" tangled/bench/chart.gp

# `make check-fresh` (as root; it takes a while): the README's two commands on a fresh
# minimal Debian 12 root (the appendix "How this book is made", "A fresh machine").
.PHONY: check-fresh
check-fresh:
	@bash tangled/tools/setup.sh fresh
	@bash tangled/tools/check-fresh.sh

clean:
	rm -rf $(B)
