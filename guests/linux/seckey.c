// seckey.c — ask the security kernel, through the virtio console it serves (/dev/hvc0), for a signature or
// random bytes.
//
//   seckey sign TEXT      the security kernel's ECDSA P-256 signature of SHA-256(TEXT), made with its sealed key
//   seckey random N       N random bytes (1..64) from the security kernel, in hex
//   seckey pubkey         the public half of its key (an uncompressed P-256 point, hex)
//   seckey attest NONCE   what the hypervisor's secured boot verified, signed by the security kernel with NONCE
//
// One request line goes out and one answer line comes back; the protocol is
// in docs/linux-guests.md. Prints the answer; exits 1 on an error answer.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char** argv) {
    char request[1024];
    int n_req = 0;
    if (argc == 3 && strcmp(argv[1], "sign") == 0) {
        n_req = snprintf(request, sizeof request, "sign %s\n", argv[2]);
    } else if (argc == 3 && strcmp(argv[1], "random") == 0) {
        n_req = snprintf(request, sizeof request, "random %s\n", argv[2]);
    } else if (argc == 3 && strcmp(argv[1], "attest") == 0) {
        n_req = snprintf(request, sizeof request, "attest %s\n", argv[2]);
    } else if (argc == 2 && strcmp(argv[1], "pubkey") == 0) {
        n_req = snprintf(request, sizeof request, "pubkey\n");
    } else {
        fprintf(stderr, "usage: seckey sign TEXT | random N | pubkey | attest NONCE\n");
        return 2;
    }
    if (n_req < 0 || (size_t)n_req >= sizeof request) {
        fprintf(stderr, "seckey: the request is over %zu bytes\n", sizeof request - 1);
        return 2;
    }
    const int fd = open("/dev/hvc0", O_RDWR | O_NOCTTY);
    if (fd < 0) {
        perror("seckey: /dev/hvc0");
        return 1;
    }
    // Raw: no echo of the answer back to the server, no line editing.
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
    tcflush(fd, TCIFLUSH);
    if (write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
        perror("seckey: write");
        return 1;
    }
    char answer[1024];
    size_t n = 0;
    while (n + 1 < sizeof answer) {
        const ssize_t got = read(fd, answer + n, 1);
        if (got <= 0) {
            perror("seckey: read");
            return 1;
        }
        if (answer[n] == '\n') break;
        ++n;
    }
    answer[n] = 0;
    unsigned anchored = 0, version = 0;
    char manifest[80], signature[160];
    if (sscanf(answer, "att %u %u %79s %159s", &anchored, &version, manifest, signature) == 4) {
        // One field a line: the whole answer is wider than a console row.
        printf("att %u %u\nmanifest %s\nsignature %s\n", anchored, version, manifest, signature);
        return 0;
    }
    printf("%s\n", answer);
    return strncmp(answer, "err", 3) == 0 ? 1 : 0;
}
