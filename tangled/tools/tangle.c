/* tangle.c: write the files of the book, with #line directives if asked. */
#define _XOPEN_SOURCE 700
#include "stream.h"
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>

struct part {
    bool is_use;             /* text, or the name of a chunk to expand */
    char *text;
};

struct line {
    const char *file;        /* book file and line this came from */
    int lineno;
    int part_count;
    struct part *parts;
};

struct chunk {
    char *name;
    const char *defined_at;  /* first definition, for error messages */
    int defined_line;
    bool defined, used;
    int line_count;
    struct line *lines;
};

static struct chunk **chunks;   /* pointers stay valid as the array grows */
static int chunk_count;
static int files_written;   /* outside tangled/, counted, not named */
static const char *program = "tangle";

static void die_at_line(const struct line *line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: %s: ", line->file, line->lineno, program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}
static struct chunk *chunk_named(const char *name)
{
    for (int i = 0; i < chunk_count; i++)
        if (strcmp(chunks[i]->name, name) == 0) return chunks[i];
    struct chunk *c = stream_xrealloc(NULL, sizeof *c);
    *c = (struct chunk){.name = stream_xstrdup(name)};
    chunks = stream_xrealloc(chunks, (chunk_count + 1) * sizeof *chunks);
    return chunks[chunk_count++] = c;
}
static void add_part(struct line *line, bool is_use, const char *text)
{
    line->parts = stream_xrealloc(line->parts,
        (line->part_count + 1) * sizeof *line->parts);
    line->parts[line->part_count++] =
        (struct part){.is_use = is_use, .text = stream_xstrdup(text)};
}
static void read_stream(FILE *in)
{
    char *buf = NULL;
    size_t cap = 0;
    const char *file = "?", *arg;
    int lineno = 1;
    struct chunk *current = NULL;   /* the chunk being defined, if any */
    bool header = false;            /* still on the <<name>>= line */
    struct line pending = {0};
    while (stream_read_line(in, &buf, &cap)) {
        if ((arg = stream_keyword(buf, "@file"))) {
            file = stream_xstrdup(arg);
            lineno = 1;
        } else if ((arg = stream_keyword(buf, "@defn"))) {
            current = chunk_named(arg);
            if (!current->defined) {
                current->defined = true;
                current->defined_at = file;
                current->defined_line = lineno;
            }
            header = true;
            pending = (struct line){.file = file};
        } else if ((arg = stream_keyword(buf, "@text")) && current && !header) {
            add_part(&pending, false, arg);
        } else if ((arg = stream_keyword(buf, "@use")) && current) {
            add_part(&pending, true, arg);
            chunk_named(arg)->used = true;
        } else if (stream_keyword(buf, "@index nl")) {
            lineno++;   /* the end of a @ %def line: no code on it */
        } else if (stream_keyword(buf, "@nl")) {
            if (current && !header) {
                pending.lineno = lineno;
                current->lines = stream_xrealloc(current->lines,
                    (current->line_count + 1) * sizeof *current->lines);
                current->lines[current->line_count++] = pending;
                pending = (struct line){.file = file};
            }
            header = false;
            lineno++;
        } else if (stream_keyword(buf, "@end code")) {
            current = NULL;
        }
    }
    free(buf);
}
static const char *line_text(const struct line *line)
{
    static char *buf;
    static size_t cap;
    size_t len = 0;
    for (int p = 0; p < line->part_count; p++) {
        size_t n = strlen(line->parts[p].text);
        if (len + n + 1 > cap) buf = stream_xrealloc(buf, cap = 2 * (len + n + 1));
        memcpy(buf + len, line->parts[p].text, n);
        len += n;
    }
    if (cap == 0) buf = stream_xrealloc(buf, cap = 64);
    buf[len] = '\0';
    return buf;
}

static char *concat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = stream_xrealloc(NULL, na + nb + 1);
    memcpy(s, a, na);
    memcpy(s + na, b, nb + 1);
    return s;
}
struct output {
    FILE *out;
    bool line_directives;    /* C files get #line, other files do not */
    const char *next_file;   /* where the next line continues if nothing jumps */
    int next_line;
};

static void write_line(struct output *o, const struct line *line,
                       const char *indent, const char *text)
{
    if (o->line_directives &&
        (o->next_file != line->file || o->next_line != line->lineno))
        fprintf(o->out, "#line %d \"%s\"\n", line->lineno, line->file);
    o->next_file = line->file;
    o->next_line = line->lineno + 1;
    if (text[0] != '\0') fputs(indent, o->out);   /* a blank line stays blank */
    fputs(text, o->out);
    fputc('\n', o->out);
}
static void expand(struct output *o, struct chunk *c, const char *indent, int depth)
{
    if (depth > 50) die_at_line(&c->lines[0], "chunk <<%s>> uses itself", c->name);
    for (int i = 0; i < c->line_count; i++) {
        const struct line *line = &c->lines[i];
        const char *space = "", *use = NULL;
        bool other_text = false;
        for (int p = 0; p < line->part_count; p++) {
            const struct part *part = &line->parts[p];
            if (part->is_use) {
                if (use) die_at_line(line, "two chunk uses on one line");
                use = part->text;
            } else if (part->text[strspn(part->text, " \t")] != '\0') {
                other_text = true;
            } else if (!use) {
                space = part->text;
            }
        }
        if (use && other_text) die_at_line(line, "a chunk use must stand alone on its line");
        if (use == NULL) {
            write_line(o, line, indent, line_text(line));
            continue;
        }
        struct chunk *used = chunk_named(use);
        if (!used->defined)
            die_at_line(line, "chunk <<%s>> is used but never defined", use);
        char *inner = concat(indent, space);
        expand(o, used, inner, depth + 1);
        free(inner);
        o->next_file = NULL;   /* the next line needs its #line again */
    }
}
static void check_roots(void)
{
    bool bad = false;
    for (int i = 0; i < chunk_count; i++) {
        struct chunk *c = chunks[i];
        if (c->defined && !c->used && strncmp(c->name, "tangled/", 8) != 0) {
            fprintf(stderr, "%s:%d: %s: chunk <<%s>> is never used "
                    "(misspelt, or a file not under tangled/?)\n",
                    c->defined_at, c->defined_line, program, c->name);
            bad = true;
        }
    }
    if (bad) exit(1);
}
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n;
    *len = 0;
    do {
        if (*len + 4096 > cap) buf = stream_xrealloc(buf, cap = 2 * cap + 4096);
        n = fread(buf + *len, 1, cap - *len, f);
        *len += n;
    } while (n > 0);
    fclose(f);
    return buf;
}

static bool same(const char *a, size_t na, const char *b, size_t nb)
{
    return na == nb && memcmp(a, b, na) == 0;
}
enum verdict { UNCHANGED, WRITE, HAND_EDITED };

static enum verdict judge(const char *fresh, size_t fresh_len,
                          const char *path, const char *last_path)
{
    size_t on_disk_len, last_len;
    char *on_disk = slurp(path, &on_disk_len);
    char *last = slurp(last_path, &last_len);
    enum verdict v;
    if (on_disk && same(on_disk, on_disk_len, fresh, fresh_len)) v = UNCHANGED;
    else if (!on_disk) v = WRITE;
    else if (last && same(on_disk, on_disk_len, last, last_len)) v = WRITE;
    else v = HAND_EDITED;
    free(on_disk);
    free(last);
    return v;
}
static void make_parents(const char *path)
{
    char *dir = stream_xstrdup(path);
    for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: cannot create %s: %s\n", program, dir, strerror(errno));
            exit(2);
        }
        *s = '/';
    }
    free(dir);
}

static void write_file(const char *path, const char *text, size_t len)
{
    make_parents(path);
    char *tmp = concat(path, ".tmp");
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", program, path, strerror(errno));
        exit(2);
    }
    free(tmp);
}
static char *path_join(const char *dir, const char *name)
{
    if (strcmp(dir, ".") == 0) return stream_xstrdup(name);
    char *slashed = concat(dir, "/");
    char *path = concat(slashed, name);
    free(slashed);
    return path;
}

static void write_if_changed(const char *path, const char *text, size_t len)
{
    size_t old_len;
    char *old = slurp(path, &old_len);
    if (!old || !same(old, old_len, text, len)) write_file(path, text, len);
    free(old);
}
struct options {
    bool check;
    bool line_directives;    /* #line in C files: for the copy that is compiled */
    const char *into;        /* directory the tangled/ paths are relative to */
    const char *cache;       /* last written versions, or NULL */
};

static struct options parse_options(int argc, char **argv)
{
    struct options opt = {.into = "."};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) opt.check = true;
        else if (strcmp(argv[i], "--line-directives") == 0) opt.line_directives = true;
        else if (strcmp(argv[i], "--into") == 0 && i + 1 < argc) opt.into = argv[++i];
        else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc) opt.cache = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--check] [--line-directives] [--cache DIR] [--into DIR]"
                    " < stream\n",
                    program);
            exit(2);
        }
    }
    return opt;
}
static bool tangle_root(struct chunk *root, const struct options *opt)
{
    char *text = NULL;
    size_t len = 0;
    struct output o = {.out = open_memstream(&text, &len)};
    const char *dot = strrchr(root->name, '.');
    o.line_directives = opt->line_directives && dot &&
                        (strcmp(dot, ".c") == 0 || strcmp(dot, ".h") == 0);
    expand(&o, root, "", 0);
    fclose(o.out);
    char *path = path_join(opt->into, root->name);
    char *last = opt->cache ? path_join(opt->cache, root->name) : stream_xstrdup("");
    bool ok = true;
    switch (judge(text, len, path, last)) {
    case UNCHANGED: break;
    case WRITE:
        if (opt->check) {
            fprintf(stderr, "%s: %s differs from what the book tangles to\n", program, path);
            ok = false;
        } else {
            write_file(path, text, len);
            if (strcmp(opt->into, ".") == 0) fprintf(stderr, "tangled %s\n", root->name);
            else files_written++;
        }
        break;
    case HAND_EDITED:
        fprintf(stderr, "%s: %s differs from what the book tangles to: "
                "edit the book, not tangled/ (git checkout %s to drop the edit)\n",
                program, path, root->name);
        ok = false;
        break;
    }
    if (ok && opt->cache && !opt->check) write_if_changed(last, text, len);
    free(path);
    free(last);
    free(text);
    return ok;
}
static bool is_root_file(const char *name)
{
    for (int i = 0; i < chunk_count; i++)
        if (chunks[i]->defined && !chunks[i]->used && strcmp(chunks[i]->name, name) == 0)
            return true;
    return false;
}

static size_t prefix_length;   /* length of "DIR/" in the paths nftw gives */
static bool stray_found;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type == FTW_F && !is_root_file(path + prefix_length)) {
        fprintf(stderr, "%s: %s is in tangled/ but no chunk of the book makes it\n",
                program, path);
        stray_found = true;
    }
    return 0;
}
int main(int argc, char **argv)
{
    struct options opt = parse_options(argc, argv);
    read_stream(stdin);
    check_roots();
    bool ok = true;
    for (int i = 0; i < chunk_count; i++)
        if (chunks[i]->defined && !chunks[i]->used)
            ok &= tangle_root(chunks[i], &opt);
    if (opt.check) {
        char *dir = path_join(opt.into, "tangled");
        prefix_length = strcmp(opt.into, ".") == 0 ? 0 : strlen(opt.into) + 1;
        if (nftw(dir, visit, 16, FTW_PHYS) == 0 && stray_found) ok = false;
        free(dir);
        if (!ok) fprintf(stderr, "%s: edit the book, not tangled/; "
                         "then run make to tangle it again\n", program);
    }
    if (files_written)
        fprintf(stderr, "%s: wrote %d changed files under %s\n", program, files_written, opt.into);
    return ok ? 0 : 1;
}
