/* tools_weave.c: the book's own tools, tangle and weave (appendix "How this book is made"). */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/tools-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Write a .nw file into the test directory. */
static void write_book(const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/book.nw", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Run a shell command in the test directory; return its exit status and output. */
static int run(const char *command, char *out, size_t size)
{
    char cmd[1024], cwd[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd, "cd %s && T=%s/build/tools N=/usr/lib/noweb; %s 2>&1",
             dir, cwd, command);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define WEAVE "$N/markup book.nw | $N/finduses | $N/noidx | $T/weave --outputs ."
#define TANGLE "$N/markup book.nw | $T/tangle"

static char out[65536];

START_TEST(prose_quotes_become_inline_code)
{
    write_book("Call [[aio_run(main)]] and [[a`b]] here.\n");
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "Call `aio_run(main)` and ``a`b`` here."));
}
END_TEST

START_TEST(escaped_angle_brackets_reach_the_prose)
{
    write_book("A use is written @<<name>> in the source.\n");
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "A use is written <<name>> in the source."));
}
END_TEST

START_TEST(chunks_get_anchors_headers_and_links)
{
    write_book("Intro.\n\n<<tangled/x.c>>=\nint main(void)\n{\n    <<body>>\n}\n"
               "@ The body.\n<<body>>=\nreturn 0;\n@ More.\n<<body>>=\n/* end */\n@\n");
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "[⟨tangled/x\\.c⟩ 1 ≡]{.chunk-header}"));
    ck_assert_ptr_nonnull(strstr(out, "[⟨body⟩ 2 ≡]{.chunk-header}"));
    ck_assert_ptr_nonnull(strstr(out, "[⟨body⟩ 3 +≡]{.chunk-header}"));
    /* A use is a mark in the code, which the second pass turns into a link. */
    ck_assert_ptr_nonnull(strstr(out, "```{.c}\nint main(void)\n{\n    NWUSE2E\n}\n```"));
    ck_assert_ptr_nonnull(strstr(out, "Continued in [3](#"));
    ck_assert_ptr_nonnull(strstr(out, "Continues [2](#"));
    ck_assert_ptr_nonnull(strstr(out, "Used in [⟨tangled/x\\.c⟩ 1](#"));
    /* In the PDF, every reference to a chunk carries its page. */
    ck_assert_ptr_nonnull(strstr(out, ")`~(p.~\\pageref{"));
    ck_assert_ptr_nonnull(strstr(out, "# Index of chunks"));
    /* For the PDF, each chunk is one LaTeX environment around the div. */
    ck_assert_ptr_nonnull(strstr(out, "```{=latex}\n\\begin{chunk}{"));
    ck_assert_ptr_nonnull(strstr(out, "}\n```\n\n::: {#"));
    ck_assert_ptr_nonnull(strstr(out, "]{.chunk-xref}\n:::\n\n```{=latex}\n\\end{chunk}\n```"));
}
END_TEST

START_TEST(code_escapes_reach_the_code_block)
{
    write_book("<<tangled/y.c>>=\nconst char *s = \"@<<not a use>>\";\n@\n");
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "const char *s = \"<<not a use>>\";"));
}
END_TEST

START_TEST(output_directive_includes_the_captured_output)
{
    write_book("Before.\n\n<!-- output: demo -->\n\nAfter.\n");
    ck_assert_int_eq(run("printf 'hello from the demo\\n' > demo.txt", out, sizeof out), 0);
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "```{=latex}\n\\begin{capturedoutput}\n```\n\n"
                                      "::: {.output}\nOutput of `demo`:\n\n"
                                      "```{.text}\nhello from the demo\n```\n:::\n\n"
                                      "```{=latex}\n\\end{capturedoutput}\n```"));
    ck_assert_ptr_null(strstr(out, "<!-- output"));
    /* Output without a final newline still closes its block on a line of its own. */
    ck_assert_int_eq(run("printf 'no newline' > demo.txt", out, sizeof out), 0);
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "```{.text}\nno newline\n```\n"));
}
END_TEST

START_TEST(sections_of_unnumbered_chapters_are_unnumbered)
{
    write_book("# Preface {.unnumbered}\n\n## How to read it\n\nText.\n"
               "# The loop {#ch-loop}\n\n## The idea\n\n```sh\n# a comment\n```\n\n"
               "# Appendix: How it is made {#making}\n\n## Tangling\n\n"
               "### Details {#details}\n\n## Notes {.unnumbered}\n");
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "\n# Preface {#sec-1 .unnumbered}\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n## How to read it {#sec-2 .unnumbered}\n"));
    /* A chapter right after a paragraph still gets its blank line. */
    ck_assert_ptr_nonnull(strstr(out, "Text.\n\n# The loop {#ch-loop}\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n## The idea {#sec-3}\n"));
    ck_assert_ptr_nonnull(strstr(out, "```sh\n# a comment\n```"));
    /* Appendices are lettered, and set LaTeX's running head themselves. */
    ck_assert_ptr_nonnull(strstr(out, "\n# Appendix A: How it is made {#making .unnumbered .appendix}\n"));
    ck_assert_ptr_nonnull(strstr(out, "\\markboth{Appendix A: How it is made}{}"));
    /* Its figures are numbered A.1, ... in the PDF, not in the last chapter's count. */
    ck_assert_ptr_nonnull(strstr(out, "```{=latex}\n\\appendixnumbering{A}\n```"));
    ck_assert_ptr_null(strstr(out, "# The loop {#ch-loop .appendix}"));
    ck_assert_ptr_nonnull(strstr(out, "\\markboth{Preface}{}"));
    ck_assert_ptr_nonnull(strstr(out, "\n## Tangling {#sec-4 .unnumbered}\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n### Details {#details .unnumbered}\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n## Notes {#sec-5 .unnumbered}\n"));
}
END_TEST

#define STREAM "$N/markup book.nw | $N/finduses | $N/noidx"

START_TEST(uses_inside_code_link_to_their_chunk)
{
    write_book("<<tangled/x.c>>=\nint main(void)\n{\n    <<the body>>\n}\n"
               "@ The body.\n<<the body>>=\nreturn x->y - 1; /* --facts */\n@\n");
    ck_assert_int_eq(run(WEAVE " > book.md && pandoc -s --metadata title=t -o book.html book.md"
                         " && pandoc -s -t latex -o book.tex book.md && " STREAM
                         " > stream && $T/weave --link-uses html book.html < stream",
                         out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "<a class=\"chunk-use\" href=\"#"));
    ck_assert_ptr_nonnull(strstr(out, "\">⟨the body 2⟩</a>"));
    ck_assert_ptr_null(strstr(out, "NWUSE"));
    /* A browser may not break a line of code after the hyphen of -> or --facts. */
    ck_assert_ptr_nonnull(strstr(out, "<span class=\"nobreak\">-&gt;</span>"));
    ck_assert_ptr_nonnull(strstr(out, "<span class=\"nobreak\">--facts</span>"));
    ck_assert_int_eq(run("$T/weave --link-uses latex book.tex < stream", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "}{the body}{2}"));
    ck_assert_ptr_nonnull(strstr(out, "\\chunkuse{"));
    ck_assert_ptr_null(strstr(out, "NWUSE"));
}
END_TEST

START_TEST(an_empty_chunk_says_where_it_is_filled)
{
    write_book("<<tangled/x.c>>=\n<<hook>>\n@ Later:\n<<hook>>=\n@ And:\n<<hook>>=\nint a;\n@\n"
               "<<hook>>=\nint b;\n@\n");
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "[⟨hook⟩ 2 ≡]{.chunk-header} [(empty here; filled in [3](#"));
    ck_assert_ptr_nonnull(strstr(out, ", [4](#"));
    /* No empty code block. */
    ck_assert_ptr_null(strstr(out, "```{.c}\n```"));
}
END_TEST

START_TEST(chunk_names_keep_their_characters)
{
    write_book("<<tangled/x.c>>=\n<<demo: the --facts option>>\n@\n"
               "<<demo: the --facts option>>=\nint a;\n@\n");
    ck_assert_int_eq(run(WEAVE " | pandoc -t html", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "⟨demo: the --facts option⟩ 2 ≡"));
    ck_assert_ptr_null(strstr(out, "–"));
}
END_TEST

START_TEST(indexes_are_sorted_and_list_every_use)
{
    write_book("<<tangled/x.c>>=\n<<beta>>\n<<Alpha>>\n<<gamma>>\n@\n"
               "<<beta>>=\nint zed;\nint Apple;\n@ %def zed Apple\n"
               "<<Alpha>>=\nint f(void) { return zed + Apple; }\n@\n"
               "<<gamma>>=\nint g(void) { return zed; }\n@\n");
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    char *chunks = strstr(out, "# Index of chunks");
    ck_assert_ptr_nonnull(chunks);
    char *alpha = strstr(chunks, "⟨Alpha⟩: [3]"), *beta = strstr(chunks, "⟨beta⟩: [2]");
    char *gamma = strstr(chunks, "⟨gamma⟩: [4]");
    ck_assert_ptr_nonnull(alpha);
    ck_assert(alpha < beta && beta < gamma);
    char *ids = strstr(out, "# Index of identifiers");
    ck_assert_ptr_nonnull(ids);
    char *apple = strstr(ids, "`Apple`: [⟨beta⟩ 2]"), *zed = strstr(ids, "`zed`: [⟨beta⟩ 2]");
    ck_assert_ptr_nonnull(apple);
    ck_assert_ptr_nonnull(zed);
    ck_assert(apple < zed);
    ck_assert_ptr_nonnull(strstr(zed, "; used in [3](#"));
    ck_assert_ptr_nonnull(strstr(zed, "), [4](#"));
}
END_TEST

START_TEST(subject_index_points_to_the_sections_that_name_a_subject)
{
    write_book("# The loop {#ch-loop}\n\n## The idea\n\nTime on the Virtual Clock jumps.\n\n"
               "```c\n/* the virtual clock, in a fence: not prose */\n```\n\n"
               "## Later\n\nNothing here.\n\n## Again\n\nThe virtual clock again.\n");
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    char *index = strstr(out, "# Index of subjects");
    ck_assert_ptr_nonnull(index);
    ck_assert_ptr_nonnull(strstr(index, "virtual clock: [The loop: The idea](#sec-1)"));
    ck_assert_ptr_nonnull(strstr(index, ", [The loop: Again](#sec-3)"));
    ck_assert_ptr_null(strstr(index, "Later](#"));
    ck_assert_ptr_nonnull(strstr(out, "\n## Later {#sec-2}\n"));
}
END_TEST

START_TEST(missing_output_is_an_error)
{
    write_book("<!-- output: nowhere -->\n");
    ck_assert_int_ne(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "no captured output ./nowhere.txt"));
}
END_TEST

START_TEST(tangle_keeps_indentation_and_writes_line_directives)
{
    write_book("<<tangled/a.c>>=\nint f(void)\n{\n    <<body>>\n}\n@\n<<body>>=\nif (1) {\n"
               "    return 1;\n}\n@\n");
    ck_assert_int_eq(run(TANGLE " --line-directives && cat tangled/a.c", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out,
        "#line 2 \"book.nw\"\nint f(void)\n{\n#line 8 \"book.nw\"\n    if (1) {\n"
        "        return 1;\n    }\n#line 5 \"book.nw\"\n}\n"));
}
END_TEST

START_TEST(tangle_without_directives_writes_what_notangle_writes)
{
    write_book("<<tangled/a.c>>=\nint f(void)\n{\n    <<body>>\n}\n@ %def f\n<<body>>=\nif (1) {\n"
               "    return 1;\n}\n@\n");
    ck_assert_int_eq(run(TANGLE " && notangle -Rtangled/a.c book.nw | cmp - tangled/a.c",
                         out, sizeof out), 0);
}
END_TEST

START_TEST(tangle_refuses_to_overwrite_a_hand_edit)
{
    write_book("<<tangled/a.c>>=\nint x;\n@\n");
    ck_assert_int_eq(run(TANGLE " --cache cache", out, sizeof out), 0);
    ck_assert_int_eq(run("echo '/* edit */' >> tangled/a.c && " TANGLE " --cache cache",
                         out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, "edit the book, not tangled/"));
    ck_assert_int_eq(run(TANGLE " --check", out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, "edit the book, not tangled/"));
}
END_TEST

START_TEST(tangle_follows_a_changed_book)
{
    write_book("<<tangled/a.c>>=\nint x;\n@\n");
    ck_assert_int_eq(run(TANGLE " --cache cache", out, sizeof out), 0);
    write_book("<<tangled/a.c>>=\nint y;\n@\n");
    ck_assert_int_eq(run(TANGLE " --cache cache && " TANGLE " --check && grep -c 'int y' tangled/a.c",
                         out, sizeof out), 0);
}
END_TEST

START_TEST(tangle_reports_undefined_and_unused_chunks)
{
    write_book("<<tangled/a.c>>=\n<<missing>>\n@\n");
    ck_assert_int_eq(run(TANGLE, out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, "book.nw:2: tangle: chunk <<missing>> is used but never defined"));
    write_book("<<tangled/a.c>>=\nint x;\n@\n<<orphan>>=\nint y;\n@\n");
    ck_assert_int_eq(run(TANGLE, out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, "chunk <<orphan>> is never used"));
}
END_TEST

START_TEST(tangle_check_finds_files_the_book_no_longer_makes)
{
    write_book("<<tangled/a.c>>=\nint x;\n@\n");
    ck_assert_int_eq(run(TANGLE " && touch tangled/old.c && " TANGLE " --check", out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, "tangled/old.c is in tangled/ but no chunk of the book makes it"));
}
END_TEST

/* Facts in the prose: {{fact NAME KEY}} shows a fact of a demo's run,
   {{fact NAME KEY = VALUE}} also checks it. */
#define DEMO_FACTS "printf 'FACT waves 10\\nFACT total_ms 100\\nFACT order b a c\\n' > demo.facts"

START_TEST(facts_are_substituted_in_the_prose)
{
    write_book("Intro.\n\nIt took {{fact demo total_ms}} ms in {{fact demo waves = 10}} waves,\n"
               "in the order {{fact demo order =  b a c }}; quoted: [[{{fact x y}}]].\n");
    ck_assert_int_eq(run(DEMO_FACTS, out, sizeof out), 0);
    ck_assert_int_eq(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "It took 100 ms in 10 waves,\nin the order b a c; "
                                      "quoted: `{{fact x y}}`."));
}
END_TEST

START_TEST(a_false_claim_fails_naming_the_line_and_both_values)
{
    write_book("Intro.\n\n<<c>>=\nint waves;\n@ %def waves\n"
               "One.\nIt took {{fact demo total_ms = 110}} ms.\n");
    ck_assert_int_eq(run(DEMO_FACTS, out, sizeof out), 0);
    ck_assert_int_ne(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "book.nw:7: weave: the prose says demo total_ms = 110, "
                                      "but the run says 100"));
}
END_TEST

START_TEST(an_unknown_fact_or_a_bad_marker_fails)
{
    ck_assert_int_eq(run(DEMO_FACTS, out, sizeof out), 0);
    write_book("It took {{fact demo total}} ms.\n");
    ck_assert_int_ne(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "book.nw:1: weave: the demo demo has no fact total"));
    write_book("A.\nIt took {{fact other total_ms}} ms.\n");
    ck_assert_int_ne(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "book.nw:2: weave: no facts ./other.facts"));
    write_book("It took {{fact demo total_ms\nms}}.\n");
    ck_assert_int_ne(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "book.nw:1: weave: a fact is written"));
    write_book("It took {{fact demo total_ms ~ 100}} ms.\n");
    ck_assert_int_ne(run(WEAVE, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "after {{fact demo total_ms comes '=' or '}}'"));
}
END_TEST

/* Write a file into the test directory. */
static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

#define TOOLS "$T/../../tangled/tools"
#define SUMMARY "/usr/bin/python3 -c \"import json; e = json.load(open('t.json'))['traceEvents']; " \
    "print('rows', [(x['pid'], x['args']['name']) for x in e if x['name'] == 'thread_name']); " \
    "print('ends', [x['args']['detail'] for x in e if x['name'] == 'end' and x['pid'] == 1]); " \
    "print('waits', sorted({x['name'] for x in e if x.get('cat') == 'wait'})); " \
    "print('holds', sum(x['ph'] == 'b' for x in e), 'cancels', sum(x['name'] == 'cancel' for x in e))\""

START_TEST(the_twin_recorder_writes_what_asyncio_did)
{
    write_file("twin.py", "import asyncio, sys\n"
               "async def holder(semaphore):\n"
               "    async with semaphore:\n"
               "        await asyncio.sleep(0.01)\n"
               "async def stopped():\n"
               "    await asyncio.sleep(10)\n"
               "async def main():\n"
               "    semaphore = asyncio.Semaphore(1)\n"
               "    tasks = [asyncio.create_task(holder(semaphore)) for _ in range(2)]\n"
               "    victim = asyncio.create_task(stopped())\n"
               "    await asyncio.sleep(0)\n"
               "    victim.cancel()\n"
               "    await asyncio.gather(*tasks, victim, return_exceptions=True)\n"
               "    print('args', sys.argv[1:])\n"
               "for _ in range(int(sys.argv[1])):\n"
               "    asyncio.run(main())\n");
    ck_assert_int_eq(run("/usr/bin/python3 " TOOLS "/twin-trace.py t.json twin.py 2 && "
                         "/usr/bin/python3 " TOOLS "/check-trace.py t.json && " SUMMARY,
                         out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "args ['2']\n"));   /* the twin ran with its arguments */
    ck_assert_ptr_nonnull(strstr(out, "trace ok: "));
    ck_assert_ptr_nonnull(strstr(out, ", 8 tasks, 2 runs\n"));
    ck_assert_ptr_nonnull(strstr(out, "rows [(1, 'main'), (1, 'holder'), (1, 'holder'), "
                                      "(1, 'stopped'), (2, 'main'),"));
    ck_assert_ptr_nonnull(strstr(out, "ends ['CANCELLED', 'OK', 'OK', 'OK']\n"));
    ck_assert_ptr_nonnull(strstr(out, "waits ['waiting: acquire', 'waiting: gather', "
                                      "'waiting: sleep']\n"));
    ck_assert_ptr_nonnull(strstr(out, "holds 4 cancels 2\n"));
    /* A trace with other tasks than another's is refused when asked. */
    ck_assert_int_eq(run("/usr/bin/python3 " TOOLS "/twin-trace.py u.json twin.py 1", out,
                         sizeof out), 0);
    ck_assert_int_ne(run("/usr/bin/python3 " TOOLS "/check-trace.py t.json --same-tasks u.json",
                         out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "check-trace: t.json: tasks in each run: {1: 4, 2: 4}, "
                                      "but {1: 4} in u.json"));
    ck_assert_int_eq(run("/usr/bin/python3 " TOOLS "/check-trace.py t.json --same-tasks t.json",
                         out, sizeof out), 0);
}
END_TEST

/* The benchmark appendix's last table: each target, the runtime's median, the floor
   measured in the same run, and a verdict the numbers decide. */
START_TEST(the_floors_view_judges_each_target_against_its_floor)
{
    write_file("results.txt", "# date: a test\n"
               "RESULT W1 aio us_per_task 9\n"             /* three rounds: the median is 9 */
               "RESULT W1 aio us_per_task 30\n"
               "RESULT W1 aio us_per_task 8\n"
               "RESULT FLOOR@100000 aio us_per_page 14\n"  /* the cheaper way, 7.5, is the floor */
               "RESULT FLOOR@100000 aio us_per_page_populated 7.5\n"
               "RESULT FLOOR@100000 aio us_per_page_guarded 8\n"   /* 9 <= 1.3 x 8: met */
               "RESULT W1 aio us_per_task_warm 0.5\n"
               "RESULT FLOOR@100000 aio us_per_task_warm 0.12\n"
               "RESULT W2 aio ns_per_switch 16\n"
               "RESULT SWITCH aio ns_per_switch 4\n"
               "RESULT W3 aio late_ms 1000\n"
               "RESULT W3 aio late_ms_warm 90\n"
               "RESULT FLOOR@10000 aio us_per_page 7\n"    /* W4: 50 pages and 10 sleeps, */
               "RESULT FLOOR@10000 aio cpu_ms_ten_sleeps 0.1\n"   /* the target itself */
               "RESULT W4 aio cpu_ms 0.5\n"
               "RESULT W5 aio past_sleep_s 9\n");
    ck_assert_int_eq(run("awk -v what=floors -f $T/../../tangled/bench/table.awk results.txt",
                         out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "W1 cold, us/task              <= 1.3 x floor      9.00      7.50  met\n"
                                      "  with a guard per stack      <= 1.3 x floor      9.00      8.00  met\n"));
    ck_assert_ptr_nonnull(strstr(out, "W1 warm, us/task                      <= 0.1     0.500     0.120  below the floor\n"));
    ck_assert_ptr_nonnull(strstr(out, "W2, ns/switch                          <= 15      16.0      4.00  not met\n"));
    ck_assert_ptr_nonnull(strstr(out, "W3 cold, ms late                      <= 100      1000       750  below the floor\n"));
    ck_assert_ptr_nonnull(strstr(out, "W3 warm, ms late                      <= 100      90.0      12.0  met\n"));
    ck_assert_ptr_nonnull(strstr(out, "W4 CPU, ms                           <= 0.45     0.500     0.450  below the floor\n"));
    ck_assert_ptr_nonnull(strstr(out, "W5 past the sleep, us/task    <= 1.3 x floor      9.00         -  not measured\n"
                                      "  with a guard per stack      <= 1.3 x floor      9.00         -  not measured\n"));
    /* The fact chapter 2 quotes: the cheaper way at every count with both measured. */
    ck_assert_int_eq(run("awk -v what=facts -f $T/../../tangled/bench/table.awk results.txt",
                         out, sizeof out), 0);
    ck_assert_str_eq(out, "FACT fresh_page.cheaper populating in bulk\n");
    write_file("mixed.txt", "RESULT FLOOR@10000 aio us_per_page 1\n"
               "RESULT FLOOR@10000 aio us_per_page_populated 2\n"
               "RESULT FLOOR@100000 aio us_per_page 3\n"
               "RESULT FLOOR@100000 aio us_per_page_populated 2\n");
    ck_assert_int_eq(run("awk -v what=facts -f $T/../../tangled/bench/table.awk mixed.txt",
                         out, sizeof out), 0);
    ck_assert_str_eq(out, "FACT fresh_page.cheaper neither: the counts disagree\n");
}
END_TEST

/* W6 past a thousand connections runs its clients in a second process. The select()
   build proves it: one process holding both ends of 1,001 connections would watch
   descriptors past 1023, which select() refuses; two processes hold about 1,005 each.
   A second process that fails fails the run, which then reports nothing. */
START_TEST(w6_past_a_thousand_connections_splits_off_its_clients)
{
    ck_assert_int_eq(run("$T/../bench/aio_bench W6 1001 1", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "RESULT W6 aio round_trips_per_s "));
    ck_assert_int_ne(run("$T/../bench/aio_bench W6 1000 1", out, sizeof out), 0);   /* one process */
    ck_assert_ptr_null(strstr(out, "RESULT"));
    ck_assert_int_ne(run("$T/../bench/aio_bench W6 1100 1", out, sizeof out), 0);   /* the child fails */
    ck_assert_ptr_null(strstr(out, "RESULT"));
    ck_assert_int_eq(run("$T/../bench/aio_bench_epoll W6 2000 2", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "RESULT W6 aio round_trips_per_s "));
}
END_TEST

static Suite *tools_suite(void)
{
    Suite *s = suite_create("appendix: tangle and weave");
    TCase *t = tcase_create("tools");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);   /* pandoc is slow on a loaded machine */
    tcase_add_test(t, prose_quotes_become_inline_code);
    tcase_add_test(t, escaped_angle_brackets_reach_the_prose);
    tcase_add_test(t, chunks_get_anchors_headers_and_links);
    tcase_add_test(t, code_escapes_reach_the_code_block);
    tcase_add_test(t, output_directive_includes_the_captured_output);
    tcase_add_test(t, sections_of_unnumbered_chapters_are_unnumbered);
    tcase_add_test(t, uses_inside_code_link_to_their_chunk);
    tcase_add_test(t, an_empty_chunk_says_where_it_is_filled);
    tcase_add_test(t, chunk_names_keep_their_characters);
    tcase_add_test(t, indexes_are_sorted_and_list_every_use);
    tcase_add_test(t, subject_index_points_to_the_sections_that_name_a_subject);
    tcase_add_test(t, missing_output_is_an_error);
    tcase_add_test(t, facts_are_substituted_in_the_prose);
    tcase_add_test(t, a_false_claim_fails_naming_the_line_and_both_values);
    tcase_add_test(t, an_unknown_fact_or_a_bad_marker_fails);
    tcase_add_test(t, tangle_keeps_indentation_and_writes_line_directives);
    tcase_add_test(t, tangle_without_directives_writes_what_notangle_writes);
    tcase_add_test(t, tangle_refuses_to_overwrite_a_hand_edit);
    tcase_add_test(t, tangle_follows_a_changed_book);
    tcase_add_test(t, tangle_reports_undefined_and_unused_chunks);
    tcase_add_test(t, tangle_check_finds_files_the_book_no_longer_makes);
    tcase_add_test(t, the_twin_recorder_writes_what_asyncio_did);
    tcase_add_test(t, the_floors_view_judges_each_target_against_its_floor);
    tcase_add_test(t, w6_past_a_thousand_connections_splits_off_its_clients);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(tools_suite)
