/* stream.c: reading noweb's pipeline representation. */
#define _POSIX_C_SOURCE 200809L
#include "stream.h"
#include <stdlib.h>

bool stream_read_line(FILE *in, char **buf, size_t *cap)
{
    ssize_t len = getline(buf, cap, in);
    if (len < 0) return false;
    if (len > 0 && (*buf)[len - 1] == '\n') (*buf)[len - 1] = '\0';
    return true;
}

void *stream_xrealloc(void *old, size_t size)
{
    void *p = realloc(old, size);
    if (p == NULL && size != 0) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    return p;
}

char *stream_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(stream_xrealloc(NULL, n), s, n);
}

void text_add(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) t->s = stream_xrealloc(t->s, t->cap = 2 * (t->len + n + 1));
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}
