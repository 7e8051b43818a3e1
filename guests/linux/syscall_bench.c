// syscall_bench.c — a Linux guest's system call cost: getppid() in a loop, timed by the kernel's own clock.
//
// Under QEMU -icount the guest's clock advances one nanosecond per
// instruction, so the figure repeats exactly and compares with bare QEMU
// (`make bench`, tools/bench). Prints "BENCH getppid_ns <total ns> <calls>".
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
    const long calls = argc > 1 ? atol(argv[1]) : 20000;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < calls; ++i) syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &end);
    const long long ns = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
    printf("BENCH getppid_ns %lld %ld\n", ns, calls);
    return 0;
}
