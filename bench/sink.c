/*
 * A tiny NATS "server" that swallows everything: it greets each client with
 * INFO, answers PING with PONG and discards all else. With it, `pub-sink`
 * measures the publishing client alone (no real server on the other end).
 *
 *   sink [PORT]     (0 or none: any free port)
 *
 * Prints "port=N" on stdout once it listens. Single-threaded epoll loop with a
 * 1 MiB read buffer. The protocol is tracked properly, so a payload that
 * contains "PING" is skipped, and lines or payloads may straddle reads:
 *   PUB subj [reply] len\r\n  <len bytes>\r\n
 *   HPUB subj [reply] hlen tlen\r\n  <tlen bytes>\r\n
 *   PING\r\n -> PONG\r\n ; CONNECT, SUB, UNSUB, PONG and anything else: ignored.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUF (1 << 20)
#define MAX_LINE (1 << 20) /* CONNECT with a JWT can be long */

static const char INFO[] =
    "INFO {\"server_id\":\"sink\",\"server_name\":\"sink\",\"version\":\"2.10.0\","
    "\"proto\":1,\"max_payload\":1048576,\"headers\":true}\r\n";

typedef struct {
    int fd;
    uint64_t skip;   /* payload bytes (incl. trailing CRLF) still to discard */
    char *line;      /* partial control line carried over from the last read */
    size_t line_len;
    size_t pongs;    /* PONGs not yet written (socket was full) */
} client;

static void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Writes queued PONGs; -1 on a dead socket. */
static int flush_pongs(client *c)
{
    static const char pongs[] = "PONG\r\nPONG\r\nPONG\r\nPONG\r\nPONG\r\nPONG\r\nPONG\r\nPONG\r\n";
    while (c->pongs > 0) {
        size_t k = c->pongs < 8 ? c->pongs : 8;
        ssize_t w = write(c->fd, pongs, k * 6);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        /* A partial PONG write is tolerated only at whole-PONG granularity:
           with a few bytes outstanding the kernel buffer always takes them. */
        c->pongs -= (size_t)w / 6;
        if ((size_t)w % 6 != 0) {
            /* Finish the torn PONG synchronously (tiny, rare). */
            const char *rest = "PONG\r\n" + (size_t)w % 6;
            size_t left = 6 - (size_t)w % 6;
            while (left > 0) {
                ssize_t x = write(c->fd, rest, left);
                if (x < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
                if (x < 0)
                    return -1;
                rest += x;
                left -= (size_t)x;
            }
            c->pongs--;
        }
    }
    return 1;
}

/* Last whitespace-separated token of the line, as a number. */
static int last_number(const char *s, size_t n, uint64_t *out)
{
    size_t end = n, start;
    uint64_t v = 0;
    while (end > 0 && isspace((unsigned char)s[end - 1]))
        end--;
    start = end;
    while (start > 0 && !isspace((unsigned char)s[start - 1]))
        start--;
    if (start == end)
        return -1;
    for (size_t i = start; i < end; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int op_is(const char *s, size_t n, const char *op)
{
    size_t k = strlen(op);
    if (n < k)
        return 0;
    if (strncasecmp(s, op, k) != 0)
        return 0;
    return n == k || s[k] == ' ' || s[k] == '\t' || s[k] == '\r';
}

/* One control line, without its '\n'. -1: protocol error. */
static int handle_line(client *c, const char *s, size_t n)
{
    uint64_t len;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (op_is(s, n, "PUB") || op_is(s, n, "HPUB")) {
        if (last_number(s, n, &len) != 0)
            return -1;
        c->skip = len + 2;
    } else if (op_is(s, n, "PING")) {
        c->pongs++;
    }
    return 0;
}

/* Consumes one read's worth of bytes. -1: drop the client. */
static int consume(client *c, const char *p, size_t n)
{
    while (n > 0) {
        if (c->skip > 0) {
            size_t k = c->skip < n ? (size_t)c->skip : n;
            c->skip -= k;
            p += k;
            n -= k;
            continue;
        }
        const char *nl = memchr(p, '\n', n);
        if (nl == NULL) {
            if (c->line_len + n > MAX_LINE)
                return -1;
            memcpy(c->line + c->line_len, p, n);
            c->line_len += n;
            return 0;
        }
        size_t k = (size_t)(nl - p);
        if (c->line_len > 0) {
            if (c->line_len + k > MAX_LINE)
                return -1;
            memcpy(c->line + c->line_len, p, k);
            if (handle_line(c, c->line, c->line_len + k) != 0)
                return -1;
            c->line_len = 0;
        } else if (handle_line(c, p, k) != 0) {
            return -1;
        }
        p += k + 1;
        n -= k + 1;
    }
    return 0;
}

static void drop(int ep, client *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->line);
    free(c);
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    int one = 1;
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    static char buf[READ_BUF];
    struct epoll_event evs[64];
    int lfd, ep;

    signal(SIGPIPE, SIG_IGN);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) {
        perror("socket");
        return 1;
    }
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 64) != 0) {
        perror("bind/listen");
        return 1;
    }
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    printf("port=%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    set_nonblock(lfd);

    ep = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);

    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            client *c = evs[i].data.ptr;
            if (c == NULL) {
                int fd;
                while ((fd = accept(lfd, NULL, NULL)) >= 0) {
                    client *nc = calloc(1, sizeof(*nc));
                    nc->fd = fd;
                    nc->line = malloc(MAX_LINE);
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    /* The greeting is tiny: a blocking write is fine. */
                    if (write(fd, INFO, sizeof(INFO) - 1) != (ssize_t)(sizeof(INFO) - 1)) {
                        close(fd);
                        free(nc->line);
                        free(nc);
                        continue;
                    }
                    set_nonblock(fd);
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            int dead = 0;
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                for (;;) {
                    ssize_t r = read(c->fd, buf, sizeof(buf));
                    if (r > 0) {
                        if (consume(c, buf, (size_t)r) != 0) {
                            dead = 1;
                            break;
                        }
                        if ((size_t)r < sizeof(buf))
                            break;
                        continue;
                    }
                    if (r < 0 && errno == EINTR)
                        continue;
                    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        break;
                    dead = 1; /* EOF or error */
                    break;
                }
            }
            if (!dead && c->pongs > 0) {
                int f = flush_pongs(c);
                if (f < 0) {
                    dead = 1;
                } else {
                    struct epoll_event cev = {
                        .events = EPOLLIN | EPOLLRDHUP | (c->pongs > 0 ? EPOLLOUT : 0),
                        .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
                }
            } else if (!dead && (evs[i].events & EPOLLOUT)) {
                struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
            }
            if (dead)
                drop(ep, c);
        }
    }
}
