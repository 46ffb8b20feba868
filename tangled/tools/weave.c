/* weave.c: noweb's cross-referenced stream to Pandoc Markdown. */
#define _XOPEN_SOURCE 700
#include "stream.h"
#include <stdlib.h>

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
static void write_chunk_link(FILE *out, const char *label, bool with_name)
{
    const struct chunk_info *c = info_of(label);
    if (!c) return;
    if (with_name) fprintf(out, "[⟨%s⟩ %d](#%s)", c->name, c->number, c->label);
    else fprintf(out, "[%d](#%s)", c->number, c->label);
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
static bool in_unnumbered_chapter;

/* The level of a Markdown heading ("## Title" is 2), or 0 for other lines. */
static int heading_level(const char *line)
{
    int level = (int)strspn(line, "#");
    return level >= 1 && level <= 6 && line[level] == ' ' ? level : 0;
}

static void write_heading(FILE *out, const char *line, int level)
{
    size_t len = strlen(line);
    const char *attributes = line[len - 1] == '}' ? strrchr(line, '{') : NULL;
    bool unnumbered = attributes && strstr(attributes, ".unnumbered");
    if (level == 1)
        in_unnumbered_chapter = unnumbered || strncmp(line, "# Appendix", 10) == 0;
    fputc('\n', out);   /* a heading needs a blank line before it, even at a file's start */
    if (unnumbered || !in_unnumbered_chapter) fprintf(out, "%s\n", line);
    else if (attributes) fprintf(out, "%.*s .unnumbered}\n", (int)len - 1, line);
    else fprintf(out, "%s {.unnumbered}\n", line);
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
static size_t gather_code(size_t i, struct code_chunk *c)
{
    FILE *code = open_memstream(&c->code, &c->code_len);
    FILE *defines = open_memstream(&c->defines, &(size_t){0});
    bool header = true;
    const char *arg;
    for (; i < line_count && !stream_keyword(lines[i], "@end code"); i++) {
        const char *l = lines[i];
        if ((arg = stream_keyword(l, "@defn"))) c->self = &infos[chunk_seen++];
        else if (stream_keyword(l, "@nl")) { if (!header) fputc('\n', code); header = false; }
        else if ((arg = stream_keyword(l, "@text"))) fputs(arg, code);
        else if ((arg = stream_keyword(l, "@use"))) fprintf(code, "<<%s>>", arg);
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
static void write_code(FILE *out, struct code_chunk *c)
{
    write_latex(out, "\\begin{chunk}");
    fprintf(out, "::: {#%s .chunk}\n", c->self->label);
    fprintf(out, "[⟨%s⟩ %d %s]{.chunk-header}\n\n", c->self->name, c->self->number,
            c->previous_label ? "+≡" : "≡");
    fprintf(out, "```{.%s}\n%s```\n\n[", language_of(c->self), c->code);
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
    int c = strcmp(x->name, y->name);
    return c ? c : x->number - y->number;
}

static void write_chunk_index(FILE *out)
{
    const struct chunk_info **sorted = stream_xrealloc(NULL, (info_count + 1) * sizeof *sorted);
    for (size_t i = 0; i < info_count; i++) sorted[i] = &infos[i];
    qsort(sorted, info_count, sizeof *sorted, by_name);
    fputs("\n# Index of chunks {.unnumbered #index-of-chunks}\n\n", out);
    for (size_t i = 0; i < info_count; i++) {
        bool first = i == 0 || strcmp(sorted[i]->name, sorted[i - 1]->name) != 0;
        if (first) fprintf(out, "%s⟨%s⟩: ", i ? "\\\n" : "", sorted[i]->name);
        else fputs(", ", out);
        write_chunk_link(out, sorted[i]->label, false);
    }
    fputs("\n", out);
    free(sorted);
}
static void write_identifier_index(FILE *out)
{
    fputs("\n# Index of identifiers {.unnumbered #index-of-identifiers}\n\n", out);
    const char *label = NULL, *arg;
    bool any = false;
    for (size_t i = 0; i < line_count; i++) {
        if (stream_keyword(lines[i], "@begin code")) label = NULL;
        else if (!label && (arg = stream_keyword(lines[i], "@xref label"))) label = arg;
        else if (label && (arg = stream_keyword(lines[i], "@index defn"))) {
            fprintf(out, "%s`%s`: ", any ? "\\\n" : "", arg);
            write_chunk_link(out, label, true);
            any = true;
        }
    }
    fputs("\n", out);
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
    write_chunk_index(out);
    write_identifier_index(out);
    free(all);
}
int main(int argc, char **argv)
{
    const char *outputs = "build/out";
    if (argc == 3 && strcmp(argv[1], "--outputs") == 0) outputs = argv[2];
    else if (argc != 1) {
        fputs("usage: weave [--outputs DIR] < stream > book.md\n", stderr);
        return 2;
    }
    read_all(stdin);
    learn_chunks();
    weave(stdout, outputs);
    return fflush(stdout) == 0 ? 0 : 1;
}
