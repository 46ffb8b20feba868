/* weave.c: noweb's cross-referenced stream to Pandoc Markdown. */
#define _XOPEN_SOURCE 700
#include "stream.h"
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

struct chunk_info {
    char *label;             /* noidx's anchor for this definition */
    char *name;
    int number;              /* 1, 2, ... in book order */
};

static char **lines;         /* the whole stream */
static size_t line_count;
static struct chunk_info *infos;
static size_t info_count;
static const struct chunk_info **first_user;   /* see the main loop */
static size_t chunk_seen;                      /* definitions gathered so far */
static void read_all(FILE *in)
{
    char *buf = NULL;
    size_t cap = 0, room = 0;
    while (stream_read_line(in, &buf, &cap)) {
        if (line_count == room)
            lines = stream_xrealloc(lines, (room = 2 * room + 1024) * sizeof *lines);
        lines[line_count++] = stream_xstrdup(buf);
    }
    free(buf);
}
static void learn_chunks(void)
{
    const char *label = NULL, *arg;
    bool in_code = false;
    for (size_t i = 0; i < line_count; i++) {
        if (stream_keyword(lines[i], "@begin code")) in_code = true, label = NULL;
        else if (stream_keyword(lines[i], "@end code")) in_code = false;
        else if (in_code && !label && (arg = stream_keyword(lines[i], "@xref label")))
            label = arg;
        else if (in_code && (arg = stream_keyword(lines[i], "@defn"))) {
            infos = stream_xrealloc(infos, (info_count + 1) * sizeof *infos);
            infos[info_count] = (struct chunk_info){
                .label = stream_xstrdup(label ? label : ""),
                .name = stream_xstrdup(arg), .number = (int)info_count + 1};
            info_count++;
        }
    }
}

static const struct chunk_info *info_of(const char *label)
{
    for (size_t i = 0; i < info_count; i++)
        if (strcmp(infos[i].label, label) == 0) return &infos[i];
    return NULL;
}
static void add_inline_code(struct text *out, const char *code)
{
    int longest = 0, run = 0;
    for (const char *s = code; *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    size_t len = strlen(code);
    bool pad = len > 0 && (code[0] == '`' || code[len - 1] == '`');
    char fence[64];
    int width = longest + 1 < 63 ? longest + 1 : 63;
    memset(fence, '`', width);
    fence[width] = '\0';
    text_add(out, fence);
    text_add(out, pad ? " " : "");
    text_add(out, code);
    text_add(out, pad ? " " : "");
    text_add(out, fence);
}
static void write_name(FILE *out, const char *name)
{
    for (const char *s = name; *s; s++) {
        if (strchr("\\`*_{}[]()<>#+-.!|~^$\"'@&", *s)) fputc('\\', out);
        fputc(*s, out);
    }
}
static void write_page(FILE *out, const char *label)
{
    fprintf(out, "`~(p.~\\pageref{%s})`{=latex}", label);
}

static void write_chunk_link(FILE *out, const char *label, bool with_name)
{
    const struct chunk_info *c = info_of(label);
    if (!c) return;
    fputc('[', out);
    if (with_name) {
        fputs("⟨", out);
        write_name(out, c->name);
        fputs("⟩ ", out);
    }
    fprintf(out, "%d](#%s)", c->number, c->label);
    write_page(out, c->label);
}
static void write_latex(FILE *out, const char *latex)
{
    fprintf(out, "\n```{=latex}\n%s\n```\n\n", latex);
}
static void write_output(FILE *out, const char *outputs, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.txt", outputs, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "weave: no captured output %s (build the demos first)\n", path);
        exit(1);
    }
    write_latex(out, "\\begin{capturedoutput}");
    fprintf(out, "::: {.output}\nOutput of `%s`:\n\n```{.text}\n", name);
    char buf[4096];
    size_t n;
    int last = '\n';              /* a missing final newline is added */
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        fwrite(buf, 1, n, out);
        last = buf[n - 1];
    }
    fclose(f);
    fprintf(out, "%s```\n:::\n", last == '\n' ? "" : "\n");
    write_latex(out, "\\end{capturedoutput}");
}
/* Where stream line i comes from, "book/05-sync.nw:930": markup writes one
   @nl for each line of the source (@index nl for a line of @ %def), and
   @file where each file begins. */
static void place_in_book(size_t i, char *place, size_t size)
{
    int line = 1;
    size_t j = i;
    for (; j > 0 && !stream_keyword(lines[j], "@file"); j--)
        if (stream_keyword(lines[j], "@nl") || stream_keyword(lines[j], "@index nl")) line++;
    const char *file = stream_keyword(lines[j], "@file");
    snprintf(place, size, "%s:%d", file ? file : "(book)", line);
}

/* The value of KEY among the "FACT KEY VALUE" lines of OUTPUTS/NAME.facts, or NULL. */
static char *fact_value(const char *outputs, const char *name, const char *key,
                        const char *place)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.facts", outputs, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: weave: no facts %s (build the demo %s first)\n", place, path, name);
        exit(1);
    }
    char *buf = NULL, *value = NULL;
    size_t cap = 0;
    const char *rest, *v;
    while (!value && stream_read_line(f, &buf, &cap))
        if ((rest = stream_keyword(buf, "FACT")) && (v = stream_keyword(rest, key)))
            value = stream_xstrdup(v);
    free(buf);
    fclose(f);
    return value;
}
static void add_prose(struct text *line, const char *prose, const char *outputs, size_t i)
{
    const char *open;
    while ((open = strstr(prose, "{{fact "))) {
        char place[1100], inside[1024], name[256], key[256], expected[1024];
        place_in_book(i, place, sizeof place);
        const char *close = strstr(open, "}}");
        int used = 0;
        if (close && close - open < 1000)   /* what lies between "{{fact " and "}}" */
            snprintf(inside, sizeof inside, "%.*s", (int)(close - open - 7), open + 7);
        if (!close || close - open >= 1000 ||
            sscanf(inside, "%255s %255s%n", name, key, &used) < 2) {
            fprintf(stderr, "%s: weave: a fact is written {{fact NAME KEY}} or "
                    "{{fact NAME KEY = VALUE}}, on one line\n", place);
            exit(1);
        }
        const char *after = inside + used;
        while (*after == ' ') after++;
        bool claimed = *after == '=';
        if (claimed) {
            const char *from = after + 1, *to = after + strlen(after);
            while (from < to && *from == ' ') from++;
            while (to > from && to[-1] == ' ') to--;
            snprintf(expected, sizeof expected, "%.*s", (int)(to - from), from);
        } else if (*after) {
            fprintf(stderr, "%s: weave: after {{fact %s %s comes '=' or '}}'\n", place, name, key);
            exit(1);
        }
        char *value = fact_value(outputs, name, key, place);
        if (!value) {
            fprintf(stderr, "%s: weave: the demo %s has no fact %s (see %s/%s.facts)\n",
                    place, name, key, outputs, name);
            exit(1);
        }
        if (claimed && strcmp(value, expected) != 0) {
            fprintf(stderr, "%s: weave: the prose says %s %s = %s, but the run says %s\n",
                    place, name, key, expected, value);
            exit(1);
        }
        char *before = stream_xstrdup(prose);
        before[open - prose] = '\0';
        text_add(line, before);
        text_add(line, value);
        free(before);
        free(value);
        prose = close + 2;
    }
    text_add(line, prose);
}
static void write_appendix_numbering(FILE *out, char letter)
{
    char numbering[32];
    snprintf(numbering, sizeof numbering, "\\appendixnumbering{%c}", letter);
    write_latex(out, numbering);
}
static void write_running_head(FILE *out, const char *line, char letter)
{
    struct text head = {0};
    text_add(&head, "\\markboth{");
    if (letter) {
        char appendix[16];
        snprintf(appendix, sizeof appendix, "Appendix %c: ", letter);
        text_add(&head, appendix);
    }
    const char *end = strchr(line, '{');
    for (const char *s = line + strspn(line, "#: "); *s && s != end; s++) {
        char c[3] = {*s, 0, 0};
        if (strchr("&%$#_", *s)) c[0] = '\\', c[1] = *s;
        if (!strchr("{}~^\\", *s)) text_add(&head, c);
    }
    while (head.len && head.s[head.len - 1] == ' ') head.s[--head.len] = '\0';
    text_add(&head, "}{}");
    write_latex(out, head.s);
    free(head.s);
}
static bool in_unnumbered_chapter;
static int anchored_sections;   /* sections given an anchor "sec-N" so far */
static int appendix_count;   /* appendices are lettered A, B, ... in both outputs */

/* The level of a Markdown heading ("## Title" is 2), or 0 for other lines. */
static int heading_level(const char *line)
{
    int level = (int)strspn(line, "#");
    return level >= 1 && level <= 6 && line[level] == ' ' ? level : 0;
}

static void write_heading(FILE *out, const char *line, int level)
{
    const char *end = line + strlen(line);
    const char *attributes = end[-1] == '}' ? strrchr(line, '{') : NULL;
    const char *title_end = attributes ? attributes : end;
    while (title_end > line && title_end[-1] == ' ') title_end--;
    bool unnumbered = attributes && strstr(attributes, ".unnumbered");
    bool appendix = level == 1 && strncmp(line, "# Appendix:", 11) == 0;
    if (level == 1) in_unnumbered_chapter = unnumbered || appendix;
    struct text inside = {0};   /* what goes between the braces */
    text_add(&inside, "");
    if (level <= 2 && !(attributes && strchr(attributes, '#'))) {
        char id[32];
        snprintf(id, sizeof id, "#sec-%d", ++anchored_sections);
        text_add(&inside, id);
    }
    if (attributes) {
        text_add(&inside, inside.len ? " " : "");
        text_add(&inside, attributes + 1);
        inside.s[--inside.len] = '\0';   /* the closing brace */
    }
    if (!unnumbered && in_unnumbered_chapter) text_add(&inside, " .unnumbered");
    if (appendix) text_add(&inside, " .appendix");   /* its figures are numbered B.1, ... */
    fputc('\n', out);   /* a heading needs a blank line before it, even at a file's start */
    const char *title = line;
    if (appendix) {
        fprintf(out, "# Appendix %c", 'A' + appendix_count++);
        title += strlen("# Appendix");
    }
    fprintf(out, "%.*s", (int)(title_end - title), title);
    fprintf(out, inside.len ? " {%s}\n" : "\n", inside.s + strspn(inside.s, " "));
    if (level == 1 && in_unnumbered_chapter)
        write_running_head(out, title, appendix ? (char)('A' + appendix_count - 1) : 0);
    if (appendix) write_appendix_numbering(out, (char)('A' + appendix_count - 1));
    free(inside.s);
}
static size_t weave_docs(FILE *out, size_t i, const char *outputs)
{
    struct text line = {0}, quote = {0};
    bool quoting = false, fenced = false;   /* inside a ``` block of the prose */
    const char *arg;
    text_add(&line, "");
    for (; i < line_count && !stream_keyword(lines[i], "@end docs"); i++) {
        if ((arg = stream_keyword(lines[i], "@text"))) {
            if (quoting) text_add(&quote, arg);
            else add_prose(&line, arg, outputs, i);   /* facts are substituted */
        } else if ((arg = stream_keyword(lines[i], "@use"))) {
            text_add(quoting ? &quote : &line, "<<");
            text_add(quoting ? &quote : &line, arg);
            text_add(quoting ? &quote : &line, ">>");
        } else if (stream_keyword(lines[i], "@quote")) {
            quoting = true;
            text_clear(&quote);
            text_add(&quote, "");
        } else if (stream_keyword(lines[i], "@endquote")) {
            quoting = false;
            add_inline_code(&line, quote.s);
        } else if (stream_keyword(lines[i], "@nl")) {
            char name[256];
            bool fence = strncmp(line.s, "```", 3) == 0 || strncmp(line.s, "~~~", 3) == 0;
            int level = fenced ? 0 : heading_level(line.s);
            if (level) write_heading(out, line.s, level);
            else if (!fenced && sscanf(line.s, "<!-- output: %255s -->", name) == 1)
                write_output(out, outputs, name);
            else fprintf(out, "%s\n", line.s);
            if (fence) fenced = !fenced;
            text_clear(&line);
        }
    }
    fputs(line.s, out);    /* a last line without its newline */
    free(line.s);
    free(quote.s);
    return i;
}
struct code_chunk {
    const struct chunk_info *self;
    const char *previous_label;  /* continues this definition (+≡), or NULL */
    const char *next_label;      /* continued in, or NULL */
    const char *uses[64];        /* labels of chunks using this one */
    int use_count;
    char *defines;               /* "a, b, c" */
    char *code;
    size_t code_len;
};
static void write_use_mark(FILE *code, const char *target, const char *name)
{
    const struct chunk_info *c = target ? info_of(target) : NULL;
    if (c) fprintf(code, "NWUSE%dE", c->number);
    else fprintf(code, "<<%s>>", name);   /* a use of an undefined chunk */
}
static size_t gather_code(size_t i, struct code_chunk *c)
{
    FILE *code = open_memstream(&c->code, &c->code_len);
    FILE *defines = open_memstream(&c->defines, &(size_t){0});
    bool header = true;
    const char *arg, *target = NULL;   /* the chunk the next @use names */
    for (; i < line_count && !stream_keyword(lines[i], "@end code"); i++) {
        const char *l = lines[i];
        if ((arg = stream_keyword(l, "@defn"))) c->self = &infos[chunk_seen++];
        else if (stream_keyword(l, "@nl")) { if (!header) fputc('\n', code); header = false; }
        else if ((arg = stream_keyword(l, "@text"))) fputs(arg, code);
        else if ((arg = stream_keyword(l, "@xref ref"))) target = arg;
        else if ((arg = stream_keyword(l, "@use"))) write_use_mark(code, target, arg);
        else if ((arg = stream_keyword(l, "@xref prevdef"))) c->previous_label = arg;
        else if ((arg = stream_keyword(l, "@xref nextdef"))) c->next_label = arg;
        else if ((arg = stream_keyword(l, "@xref useitem")) && c->use_count < 64)
            c->uses[c->use_count++] = arg;
        else if ((arg = stream_keyword(l, "@index defn")))
            fprintf(defines, "%s`%s`", ftell(defines) ? ", " : "", arg);
    }
    fclose(code);
    fclose(defines);
    return i;
}
static const char *language_of(const struct chunk_info *c)
{
    for (int hops = 0; c && hops < 50; hops++) {
        if (strncmp(c->name, "tangled/", 8) == 0) {
            const char *dot = strrchr(c->name, '.');
            if (!dot) return "text";
            if (strcmp(dot, ".py") == 0) return "python";
            if (strcmp(dot, ".js") == 0) return "javascript";
            if (strcmp(dot, ".sh") == 0) return "bash";
            if (strcmp(dot, ".css") == 0) return "css";
            if (strcmp(dot, ".tex") == 0) return "latex";
            if (strcmp(dot, ".awk") == 0) return "awk";
            if (strcmp(dot, ".S") == 0) return "gnuassembler";
            return "c";
        }
        c = first_user[c - infos];
    }
    return "c";
}
static void write_hook_filling(FILE *out, const struct chunk_info *self)
{
    int later = 0;
    for (size_t i = (size_t)self->number; i < info_count; i++) {
        if (strcmp(infos[i].name, self->name) != 0) continue;
        fputs(later++ ? ", " : " [(empty here; filled in ", out);
        write_chunk_link(out, infos[i].label, false);
    }
    fputs(later ? ")]{.chunk-empty}\n\n" : " [(empty)]{.chunk-empty}\n\n", out);
}
static void write_code(FILE *out, struct code_chunk *c)
{
    char begin[300];
    snprintf(begin, sizeof begin, "\\begin{chunk}{%s}", c->self->label);
    write_latex(out, begin);
    fprintf(out, "::: {#%s .chunk}\n[⟨", c->self->label);
    write_name(out, c->self->name);
    fprintf(out, "⟩ %d %s]{.chunk-header}", c->self->number, c->previous_label ? "+≡" : "≡");
    if (c->code[strspn(c->code, " \t\n")] == '\0') write_hook_filling(out, c->self);
    else fprintf(out, "\n\n```{.%s}\n%s```\n\n", language_of(c->self), c->code);
    fputc('[', out);
    if (c->previous_label) {
        fputs("Continues ", out);
        write_chunk_link(out, c->previous_label, false);
        fputs(". ", out);
    }
    if (c->next_label) {
        fputs("Continued in ", out);
        write_chunk_link(out, c->next_label, false);
        fputs(". ", out);
    }
    for (int u = 0; u < c->use_count; u++) {
        fputs(u == 0 ? "Used in " : ", ", out);
        write_chunk_link(out, c->uses[u], true);
        if (u == c->use_count - 1) fputs(". ", out);
    }
    if (c->use_count == 0 && !c->previous_label && strncmp(c->self->name, "tangled/", 8) == 0)
        fprintf(out, "Written to `%s`. ", c->self->name);
    if (c->defines[0]) fprintf(out, "Defines %s.", c->defines);
    fputs("]{.chunk-xref}\n:::\n", out);
    write_latex(out, "\\end{chunk}");
    free(c->code);
    free(c->defines);
}
static int by_name(const void *a, const void *b)
{
    const struct chunk_info *x = *(const struct chunk_info *const *)a;
    const struct chunk_info *y = *(const struct chunk_info *const *)b;
    int c = strcasecmp(x->name, y->name);
    if (c == 0) c = strcmp(x->name, y->name);
    return c ? c : x->number - y->number;
}

static void write_chunk_index(FILE *out)
{
    const struct chunk_info **sorted = stream_xrealloc(NULL, (info_count + 1) * sizeof *sorted);
    for (size_t i = 0; i < info_count; i++) sorted[i] = &infos[i];
    qsort(sorted, info_count, sizeof *sorted, by_name);
    fputs("\n# Index of chunks {.unnumbered #index-of-chunks}\n", out);
    write_latex(out, "\\markboth{Index of chunks}{}");
    for (size_t i = 0; i < info_count; i++) {
        bool first = i == 0 || strcmp(sorted[i]->name, sorted[i - 1]->name) != 0;
        if (first) {
            fputs(i ? "\\\n⟨" : "⟨", out);
            write_name(out, sorted[i]->name);
            fputs("⟩: ", out);
        } else {
            fputs(", ", out);
        }
        write_chunk_link(out, sorted[i]->label, false);
    }
    fputs("\n", out);
    free(sorted);
}
struct identifier {
    const char *name;
    const char *defined_in;      /* label of the defining chunk */
    const char **used_in;        /* labels, in book order, without repeats */
    int use_count;
};

static struct identifier *identifiers;
static size_t identifier_count;

static struct identifier *identifier_named(const char *name)
{
    for (size_t i = 0; i < identifier_count; i++)
        if (strcmp(identifiers[i].name, name) == 0) return &identifiers[i];
    identifiers = stream_xrealloc(identifiers, (identifier_count + 1) * sizeof *identifiers);
    identifiers[identifier_count] = (struct identifier){.name = name};
    return &identifiers[identifier_count++];
}

static void learn_identifiers(void)
{
    const char *label = NULL, *arg;
    for (size_t i = 0; i < line_count; i++) {
        if (stream_keyword(lines[i], "@begin code")) label = NULL;
        else if (!label && (arg = stream_keyword(lines[i], "@xref label"))) label = arg;
        else if (label && (arg = stream_keyword(lines[i], "@index defn"))) {
            struct identifier *id = identifier_named(arg);
            if (!id->defined_in) id->defined_in = label;
        } else if (label && (arg = stream_keyword(lines[i], "@index use"))) {
            struct identifier *id = identifier_named(arg);
            if (id->use_count && strcmp(id->used_in[id->use_count - 1], label) == 0) continue;
            id->used_in = stream_xrealloc(id->used_in, (id->use_count + 1) * sizeof *id->used_in);
            id->used_in[id->use_count++] = label;
        }
    }
}

static int by_identifier(const void *a, const void *b)
{
    const struct identifier *x = a, *y = b;
    int c = strcasecmp(x->name, y->name);
    return c ? c : strcmp(x->name, y->name);
}

static void write_identifier_index(FILE *out)
{
    learn_identifiers();
    qsort(identifiers, identifier_count, sizeof *identifiers, by_identifier);
    fputs("\n# Index of identifiers {.unnumbered #index-of-identifiers}\n", out);
    write_latex(out, "\\markboth{Index of identifiers}{}");
    bool any = false;
    for (size_t i = 0; i < identifier_count; i++) {
        const struct identifier *id = &identifiers[i];
        if (!id->defined_in) continue;
        fprintf(out, "%s`%s`: ", any ? "\\\n" : "", id->name);
        write_chunk_link(out, id->defined_in, true);
        int shown = 0;
        for (int u = 0; u < id->use_count; u++) {
            const struct chunk_info *c = info_of(id->used_in[u]);
            if (!c || strcmp(id->used_in[u], id->defined_in) == 0) continue;
            fprintf(out, "%s[%d](#%s)", shown++ ? ", " : "; used in ", c->number, c->label);
        }
        any = true;
    }
    fputs("\n", out);
}
static const struct subject { const char *name, *words; } subjects[] = {
    {"await, of a task", "aio_await"},     {"cancellation, counted", "uncancel"},
    {"context switch", "context switch"},   {"Ctrl-C", "ctrl-c"},
    {"deadline", "deadline"},               {"facts mode (--facts)", "--facts"},
    {"gather", "gather"},                   {"guard page", "guard page"},
    {"hand-off", "hands the thread|hand-off|hand over"},  {"#line directives", "#line"},
    {"outcome", "outcome"},                 {"prefetching", "prefetch"},
    {"prefixes of the book", "every prefix|prefixes"},     {"ready queue", "ready queue"},
    {"return_exceptions", "return_exceptions"}, {"sanitizers", "sanitizer"},
    {"select()", "select()"},               {"semaphore", "semaphore"},
    {"shield", "shield"},                   {"starvation", "starv"},
    {"task group", "task group"},           {"threads, work sent to", "to_thread"},
    {"timeout scope", "timeout scope"},     {"twins in Python", "twin"},
    {"Valgrind", "valgrind"},               {"virtual clock", "virtual clock"},
    {"wait_for", "wait_for"},
};
enum { SUBJECTS = sizeof subjects / sizeof subjects[0], PLACES = 4 };
struct section { char id[64]; char *title; };

static void add_place(struct section *places[PLACES], struct section *here)
{
    for (int p = 0; p < PLACES; p++) {
        if (places[p] == here) return;
        if (!places[p]) { places[p] = here; return; }
    }
}

static void note_subjects(const char *line, struct section *here,
                          struct section *places[][PLACES])
{
    char lower[4096];
    size_t n = 0;
    for (; line[n] && n + 1 < sizeof lower; n++) lower[n] = (char)tolower((unsigned char)line[n]);
    lower[n] = '\0';
    for (int s = 0; s < SUBJECTS; s++) {
        for (const char *w = subjects[s].words; *w; w += strcspn(w, "|"), w += *w == '|') {
            char word[64];
            snprintf(word, sizeof word, "%.*s", (int)strcspn(w, "|"), w);
            if (strstr(lower, word)) add_place(places[s], here);
        }
    }
}

static void write_subject_index(FILE *out)
{
    static struct section sections[1024];
    struct section *places[SUBJECTS][PLACES] = {{0}};
    int count = 0, anchored = 0, appendices = 0;
    const char *chapter = NULL;   /* the title of the chapter being read */
    struct text line = {0};
    bool in_docs = false, fenced = false;
    const char *arg;
    text_add(&line, "");
    for (size_t i = 0; i < line_count; i++) {
        if (stream_keyword(lines[i], "@begin docs")) in_docs = true;
        else if (stream_keyword(lines[i], "@end docs")) in_docs = false;
        else if (in_docs && (arg = stream_keyword(lines[i], "@text"))) text_add(&line, arg);
        else if (in_docs && stream_keyword(lines[i], "@nl")) {
            int level = fenced ? 0 : heading_level(line.s);
            if (strncmp(line.s, "```", 3) == 0 || strncmp(line.s, "~~~", 3) == 0) fenced = !fenced;
            else if ((level == 1 || level == 2) && count < 1024) {
                struct section *here = &sections[count++];
                const char *id = strstr(line.s, "{#");
                if (id) snprintf(here->id, sizeof here->id, "%.*s", (int)strcspn(id + 2, " }"), id + 2);
                else snprintf(here->id, sizeof here->id, "sec-%d", ++anchored);
                const char *start = line.s + level + 1, *brace = strchr(start, '{');
                int length = brace ? (int)(brace - start) : (int)strlen(start);
                while (length > 0 && start[length - 1] == ' ') length--;
                struct text title = {0};
                text_add(&title, "");
                if (level == 2 && chapter) {
                    text_add(&title, chapter);
                    text_add(&title, ": ");
                }
                if (level == 1 && strncmp(start, "Appendix:", 9) == 0) {   /* lettered, as in its heading */
                    char letter[16];
                    snprintf(letter, sizeof letter, "Appendix %c", 'A' + appendices++);
                    text_add(&title, letter);
                    start += 8, length -= 8;
                }
                size_t before = title.len;
                text_add(&title, start);
                title.s[title.len = before + (size_t)length] = '\0';
                here->title = title.s;
                if (level == 1) chapter = here->title;
            } else if (count > 0 && !fenced) {
                note_subjects(line.s, &sections[count - 1], places);
            }
            text_clear(&line);
        }
    }
    fputs("\n# Index of subjects {.unnumbered #index-of-subjects}\n", out);
    write_latex(out, "\\markboth{Index of subjects}{}");
    for (int s = 0; s < SUBJECTS; s++) {
        if (!places[s][0]) continue;
        fputs(s ? "\\\n" : "", out);
        write_name(out, subjects[s].name);
        fputs(": ", out);
        for (int p = 0; p < PLACES && places[s][p]; p++) {
            fprintf(out, "%s[%s](#%s)", p ? ", " : "", places[s][p]->title, places[s][p]->id);
            write_page(out, places[s][p]->id);
        }
    }
    fputs("\n", out);
    for (int k = 0; k < count; k++) free(sections[k].title);
    free(line.s);
}
static void write_use_link(FILE *out, bool html, const struct chunk_info *c)
{
    if (html) fprintf(out, "<a class=\"chunk-use\" href=\"#%s\">⟨", c->label);
    else fprintf(out, "\\chunkuse{%s}{", c->label);
    for (const char *s = c->name; *s; s++) {
        if (html && *s == '<') fputs("&lt;", out);
        else if (html && *s == '>') fputs("&gt;", out);
        else if (html && *s == '&') fputs("&amp;", out);
        else if (!html && *s == '\\') fputs("\\textbackslash{}", out);
        else if (!html && (*s == '{' || *s == '}')) fprintf(out, "\\%c", *s);
        else fputc(*s, out);
    }
    if (html) fprintf(out, " %d⟩</a>", c->number);
    else fprintf(out, "}{%d}", c->number);
}
static void write_code_text(FILE *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t word = i;
        while (i < n && s[i] != ' ' && s[i] != '\n') i++;
        if (memchr(s + word, '-', i - word))
            fprintf(out, "<span class=\"nobreak\">%.*s</span>", (int)(i - word), s + word);
        else fwrite(s + word, 1, i - word, out);
        for (; i < n && (s[i] == ' ' || s[i] == '\n'); i++) fputc(s[i], out);
    }
}
static char *slurp_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "weave: cannot read %s\n", path);
        exit(2);
    }
    char *buf = NULL;
    size_t cap = 0, n;
    *len = 0;
    do {
        if (*len + 65536 > cap) buf = stream_xrealloc(buf, cap = 2 * cap + 65536);
        n = fread(buf + *len, 1, cap - *len - 1, f);
        *len += n;
    } while (n > 0);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}
static int link_uses(const char *format, const char *path)
{
    bool html = strcmp(format, "html") == 0;
    size_t len;
    char *doc = slurp_file(path, &len);
    bool in_pre = false;
    for (size_t i = 0; i < len;) {
        char *end = NULL;
        long number = strncmp(doc + i, "NWUSE", 5) == 0 && isdigit((unsigned char)doc[i + 5])
                          ? strtol(doc + i + 5, &end, 10) : 0;
        if (number >= 1 && (size_t)number <= info_count && *end == 'E') {
            write_use_link(stdout, html, &infos[number - 1]);
            i = (size_t)(end + 1 - doc);
        } else if (html && doc[i] == '<') {
            size_t end = i;
            while (end < len && doc[end] != '>') end++;
            if (strncmp(doc + i, "<pre", 4) == 0) in_pre = true;
            if (strncmp(doc + i, "</pre", 5) == 0) in_pre = false;
            fwrite(doc + i, 1, end + 1 - i, stdout);
            i = end + 1;
        } else {
            size_t end = i + 1;   /* up to the next tag or possible mark */
            while (end < len && doc[end] != '<' && doc[end] != 'N') end++;
            if (html && in_pre) write_code_text(stdout, doc + i, end - i);
            else fwrite(doc + i, 1, end - i, stdout);
            i = end;
        }
    }
    free(doc);
    return fflush(stdout) == 0 ? 0 : 1;
}
static void weave(FILE *out, const char *outputs)
{
    struct code_chunk *all = stream_xrealloc(NULL, (info_count + 1) * sizeof *all);
    size_t n = 0;
    first_user = stream_xrealloc(NULL, (info_count + 1) * sizeof *first_user);
    for (size_t i = 0; i < info_count; i++) first_user[i] = NULL;
    for (size_t i = 0; i < line_count; i++) {
        if (!stream_keyword(lines[i], "@begin code")) continue;
        all[n] = (struct code_chunk){0};
        i = gather_code(i + 1, &all[n]);
        for (size_t d = 0; d < info_count; d++)   /* every definition of the name */
            if (strcmp(infos[d].name, all[n].self->name) == 0 && all[n].use_count > 0)
                first_user[d] = info_of(all[n].uses[0]);
        n++;
    }
    size_t next = 0;
    for (size_t i = 0; i < line_count; i++) {
        if (stream_keyword(lines[i], "@begin docs")) i = weave_docs(out, i + 1, outputs);
        else if (stream_keyword(lines[i], "@begin code")) {
            write_code(out, &all[next++]);
            while (i < line_count && !stream_keyword(lines[i], "@end code")) i++;
        }
    }
    write_subject_index(out);
    write_chunk_index(out);
    write_identifier_index(out);
    free(all);
}
int main(int argc, char **argv)
{
    const char *outputs = "build/out";
    if (argc == 3 && strcmp(argv[1], "--outputs") == 0) outputs = argv[2];
    else if (argc == 4 && strcmp(argv[1], "--link-uses") == 0 &&
             (strcmp(argv[2], "html") == 0 || strcmp(argv[2], "latex") == 0)) {
        read_all(stdin);
        learn_chunks();
        return link_uses(argv[2], argv[3]);
    } else if (argc != 1) {
        fputs("usage: weave [--outputs DIR] < stream > book.md\n"
              "       weave --link-uses html|latex FILE < stream > linked-file\n", stderr);
        return 2;
    }
    read_all(stdin);
    learn_chunks();
    weave(stdout, outputs);
    return fflush(stdout) == 0 ? 0 : 1;
}
