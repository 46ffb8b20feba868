/* stream.h: one line of noweb's pipeline representation. */
#ifndef STREAM_H
#define STREAM_H
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Read one line into *buf (grown as needed), without its newline.
   Returns false at end of input. */
bool stream_read_line(FILE *in, char **buf, size_t *cap);

/* If line starts with keyword followed by a space or the end of the line,
   return what follows the keyword (possibly ""); otherwise NULL. */
static inline const char *stream_keyword(const char *line, const char *keyword)
{
    size_t n = strlen(keyword);
    if (strncmp(line, keyword, n) != 0) return NULL;
    if (line[n] == ' ') return line + n + 1;
    if (line[n] == '\0') return line + n;
    return NULL;
}

/* Allocation that cannot fail quietly: on failure the tool stops. */
void *stream_xrealloc(void *old, size_t size);
char *stream_xstrdup(const char *s);

/* A growable string: text_add appends, text.s is always terminated. */
struct text { char *s; size_t len, cap; };
void text_add(struct text *t, const char *s);
static inline void text_clear(struct text *t) { t->len = 0; if (t->s) t->s[0] = '\0'; }
#endif
