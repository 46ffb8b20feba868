#line 1045 "book/A1-making.nw"
/* weave.c: noweb's cross-referenced stream to Pandoc Markdown. */
#define _XOPEN_SOURCE 700
#include "stream.h"
#include <stdlib.h>

#line 678 "book/A1-making.nw"
struct chunk_info {
    char *label;             /* noidx's anchor for this definition */
    char *name;
    int number;              /* 1, 2, ... in book order */
};

static char **lines;         /* the whole stream */
static size_t line_count;
static struct chunk_info *infos;
static size_t info_count;
#line 1051 "book/A1-making.nw"
static const struct chunk_info **first_user;   /* see the main loop */
static size_t chunk_seen;                      /* definitions gathered so far */
#line 691 "book/A1-making.nw"
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
#line 708 "book/A1-making.nw"
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
#line 741 "book/A1-making.nw"
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
#line 765 "book/A1-making.nw"
static void write_chunk_link(FILE *out, const char *label, bool with_name)
{
    const struct chunk_info *c = info_of(label);
    if (!c) return;
    if (with_name) fprintf(out, "[⟨%s⟩ %d](#%s)", c->name, c->number, c->label);
    else fprintf(out, "[%d](#%s)", c->number, c->label);
}
#line 819 "book/A1-making.nw"
static void write_output(FILE *out, const char *outputs, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.txt", outputs, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "weave: no captured output %s (build the demos first)\n", path);
        exit(1);
    }
    fprintf(out, "::: {.output}\nOutput of `%s`:\n\n```{.text}\n", name);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, out);
    fclose(f);
    fprintf(out, "```\n:::\n");
}
#line 780 "book/A1-making.nw"
static size_t weave_docs(FILE *out, size_t i, const char *outputs)
{
    struct text line = {0}, quote = {0};
    bool quoting = false;
    const char *arg;
    text_add(&line, "");
    for (; i < line_count && !stream_keyword(lines[i], "@end docs"); i++) {
        if ((arg = stream_keyword(lines[i], "@text"))) {
            text_add(quoting ? &quote : &line, arg);
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
#line 812 "book/A1-making.nw"
            char name[256];
            if (sscanf(line.s, "<!-- output: %255s -->", name) == 1) write_output(out, outputs, name);
            else fprintf(out, "%s\n", line.s);
            text_clear(&line);
#line 802 "book/A1-making.nw"
        }
    }
    fputs(line.s, out);    /* a last line without its newline */
    free(line.s);
    free(quote.s);
    return i;
}
#line 845 "book/A1-making.nw"
struct code_chunk {
    const struct chunk_info *self;
    bool continued;              /* has a previous definition: +≡ */
    const char *next_label;      /* continued in */
    const char *uses[64];        /* labels of chunks using this one */
    int use_count;
    char *defines;               /* "a, b, c" */
    char *code;
    size_t code_len;
};
#line 858 "book/A1-making.nw"
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
        else if (stream_keyword(l, "@xref prevdef")) c->continued = true;
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
#line 887 "book/A1-making.nw"
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
            if (strcmp(dot, ".S") == 0) return "gnuassembler";
            return "c";
        }
        c = first_user[c - infos];
    }
    return "c";
}
#line 907 "book/A1-making.nw"
static void write_code(FILE *out, struct code_chunk *c)
{
    fprintf(out, "\n::: {#%s .chunk}\n", c->self->label);
    fprintf(out, "[⟨%s⟩ %d %s]{.chunk-header}\n\n", c->self->name, c->self->number,
            c->continued ? "+≡" : "≡");
    fprintf(out, "```{.%s}\n%s```\n", language_of(c->self), c->code);
    fputs("\n[", out);
    if (c->next_label) {
        fputs("Continued in ", out);
        write_chunk_link(out, c->next_label, false);
        fputs(". ", out);
    }
#line 928 "book/A1-making.nw"
    for (int u = 0; u < c->use_count; u++) {
        fputs(u == 0 ? "Used in " : ", ", out);
        write_chunk_link(out, c->uses[u], true);
        if (u == c->use_count - 1) fputs(". ", out);
    }
    if (c->use_count == 0 && !c->continued && strncmp(c->self->name, "tangled/", 8) == 0)
        fprintf(out, "Written to `%s`. ", c->self->name);
#line 920 "book/A1-making.nw"
    if (c->defines[0]) fprintf(out, "Defines %s.", c->defines);
    fputs("]{.chunk-xref}\n:::\n\n", out);
    free(c->code);
    free(c->defines);
}
#line 944 "book/A1-making.nw"
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
#line 970 "book/A1-making.nw"
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
#line 995 "book/A1-making.nw"
static void weave(FILE *out, const char *outputs)
{
    struct code_chunk *all = stream_xrealloc(NULL, (info_count + 1) * sizeof *all);
    size_t n = 0;
#line 1015 "book/A1-making.nw"
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
#line 1000 "book/A1-making.nw"
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
#line 1029 "book/A1-making.nw"
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
