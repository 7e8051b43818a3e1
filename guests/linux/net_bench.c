// net_bench.c — TCP between two Linux guests (or over loopback in one), timed by the kernel's own clock.
//
//   net-bench serve PORT              accept connections forever: a bulk sink or an echo, as the client asks
//   net-bench bulk HOST PORT MIB TAG  send MIB MiB; prints "BENCH net_bulk_<TAG> <ns> <KiB>"
//   net-bench rtt HOST PORT N TAG     N one-byte round trips; prints "BENCH net_rtt_<TAG> <ns> <N>"
//
// Under QEMU -icount the clock advances one nanosecond per instruction of
// the machine, so the figures are instruction counts of both ends and of
// the hypervisor between them, and repeat exactly (`make bench`).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int full_write(int fd, const void* buf, size_t len) {
    for (size_t done = 0; done < len;) {
        const ssize_t n = write(fd, (const char*)buf + done, len - done);
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static int full_read(int fd, void* buf, size_t len) {
    for (size_t done = 0; done < len;) {
        const ssize_t n = read(fd, (char*)buf + done, len - done);
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static struct sockaddr_in address(const char* host, const char* port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(port));
    a.sin_addr.s_addr = host != NULL ? inet_addr(host) : htonl(INADDR_ANY);
    return a;
}

/// One connection: 'B' is a bulk transfer (count the bytes until EOF, answer
/// the count), 'E' an echo (every byte back until EOF).
static void serve_one(int c) {
    static char buf[65536];
    char kind = 0;
    if (full_read(c, &kind, 1) != 0) return;
    if (kind == 'B') {
        unsigned long long total = 0;
        for (ssize_t n; (n = read(c, buf, sizeof buf)) > 0;) total += (unsigned long long)n;
        (void)full_write(c, &total, sizeof total);
    } else {
        for (ssize_t n; (n = read(c, buf, sizeof buf)) > 0;) {
            if (full_write(c, buf, (size_t)n) != 0) break;
        }
    }
}

static int serve(const char* port) {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in a = address(NULL, port);
    if (bind(s, (struct sockaddr*)&a, sizeof a) != 0 || listen(s, 4) != 0) {
        perror("net-bench: listen");
        return 1;
    }
    printf("net-bench: serving on port %s\n", port);
    fflush(stdout);
    for (;;) {
        const int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        serve_one(c);
        close(c);
    }
}

static int connect_to(const char* host, const char* port, char kind) {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    struct sockaddr_in a = address(host, port);
    if (connect(s, (struct sockaddr*)&a, sizeof a) != 0) {
        perror("net-bench: connect");
        exit(1);
    }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (full_write(s, &kind, 1) != 0) exit(1);
    return s;
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
    if (argc != 6) {
        fprintf(stderr, "usage: net-bench serve PORT | bulk HOST PORT MIB TAG | rtt HOST PORT N TAG\n");
        return 2;
    }
    const long n = atol(argv[4]);
    static char buf[65536];
    memset(buf, 0x5a, sizeof buf);
    if (strcmp(argv[1], "bulk") == 0) {
        const long long start = now_ns();
        const int s = connect_to(argv[2], argv[3], 'B');
        for (long i = 0; i < n * 16; ++i) {
            if (full_write(s, buf, sizeof buf) != 0) return 1;
        }
        shutdown(s, SHUT_WR);
        unsigned long long got = 0;
        if (full_read(s, &got, sizeof got) != 0 || got != (unsigned long long)n << 20) {
            fprintf(stderr, "net-bench: the peer counted %llu bytes of %ld MiB\n", got, n);
            return 1;
        }
        printf("BENCH net_bulk_%s %lld %ld\n", argv[5], now_ns() - start, n * 1024);
        return 0;
    }
    if (strcmp(argv[1], "rtt") == 0) {
        const int s = connect_to(argv[2], argv[3], 'E');
        const long long start = now_ns();
        for (long i = 0; i < n; ++i) {
            if (full_write(s, buf, 1) != 0 || full_read(s, buf, 1) != 0) return 1;
        }
        printf("BENCH net_rtt_%s %lld %ld\n", argv[5], now_ns() - start, n);
        return 0;
    }
    return 2;
}
