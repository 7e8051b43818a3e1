// mte_probe.c — MTE from a Linux guest's user space: tagged memory, a matching tag passes, a wrong one is caught.
//
// Prints "mte: tag mismatch caught (SEGV_MTESERR)" when the kernel, the
// processor and the hypervisor give the process working tag checks, and
// "mte: not available" where the kernel sees no MTE.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#ifndef PROT_MTE
#define PROT_MTE 0x20
#endif
#ifndef HWCAP2_MTE
#define HWCAP2_MTE (1 << 18)
#endif
#ifndef PR_SET_TAGGED_ADDR_CTRL
#define PR_SET_TAGGED_ADDR_CTRL 55
#define PR_TAGGED_ADDR_ENABLE (1UL << 0)
#endif
#ifndef PR_MTE_TCF_SYNC
#define PR_MTE_TCF_SYNC (1UL << 1)
#define PR_MTE_TAG_SHIFT 3
#endif
#ifndef SEGV_MTESERR
#define SEGV_MTESERR 9
#endif

static sigjmp_buf g_jump;
static volatile int g_code;

static void on_segv(int sig, siginfo_t* info, void* context) {
    (void)sig;
    (void)context;
    g_code = info->si_code;
    siglongjmp(g_jump, 1);
}

int main(void) {
    if ((getauxval(AT_HWCAP2) & HWCAP2_MTE) == 0) {
        printf("mte: not available\n");
        return 1;
    }
    // Synchronous tag checks; every tag but 0 may come out of IRG.
    if (prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC | (0xfffeUL << PR_MTE_TAG_SHIFT), 0, 0,
              0) != 0) {
        perror("mte: prctl");
        return 1;
    }
    unsigned char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_MTE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        perror("mte: mmap PROT_MTE");
        return 1;
    }
    unsigned char* tagged;
    __asm__ volatile("irg %0, %1" : "=r"(tagged) : "r"(page));
    __asm__ volatile("stg %0, [%0]" : : "r"(tagged) : "memory");
    tagged[0] = 42; // the right tag: no fault
    unsigned char* wrong = (unsigned char*)((uintptr_t)tagged ^ (1ULL << 56));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(g_jump, 1) == 0) {
        wrong[0] = 7; // the wrong tag
        printf("mte: a wrong tag went unchecked\n");
        return 1;
    }
    printf("mte: tag mismatch caught (%s), tagged value %d\n", g_code == SEGV_MTESERR ? "SEGV_MTESERR" : "other",
           tagged[0]);
    return g_code == SEGV_MTESERR ? 0 : 1;
}
