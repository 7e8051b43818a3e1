// rtos.cpp — the kernel: threads, the tick, the scheduler and the system calls.
#include "rtos.hpp"

#include "gic.hpp"
#include "kit.hpp"

namespace rtos {

namespace {

constexpr u32 VTIMER = 27;
constexpr u64 STACK = 8192;
constexpr u64 SPSR_EL1H_IRQS_ON = 0x5;
constexpr u64 ESR_EC_SVC64 = 0x15;

enum class State : u8 { unused, ready, sleeping, blocked, dead };
enum Call : u64 { CALL_YIELD, CALL_SLEEP_UNTIL, CALL_WAIT, CALL_POST, CALL_EXIT };

} // namespace

struct Thread {
    kit::ExceptionFrame* frame = nullptr; ///< where its registers were saved
    const char* name = "";
    u8 priority = 0;
    State state = State::unused;
    u64 wake_at = 0;        ///< sleeping: the tick it wakes at
    Thread* next = nullptr; ///< semaphore wait list
    alignas(16) unsigned char stack[STACK]{};
};

namespace {

Thread g_threads[MAX_THREADS];
Thread* g_current = nullptr;
u64 g_ticks = 0;
u64 g_start = 0;  ///< counter at start()
u64 g_period = 0; ///< counter ticks per RTOS tick
u64 g_deadline = 0;
u64 g_worst = 0; ///< counter ticks
u64 g_freq = 1;
bool g_rotate = false; ///< a tick or a yield: equals take turns

void arm_timer(u64 at) { asm volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(at), "r"(1ull)); }

u64 call(Call c, u64 a = 0) {
    register u64 x0 asm("x0") = a;
    register u64 x8 asm("x8") = c;
    asm volatile("svc #0" : "+r"(x0) : "r"(x8) : "memory");
    return x0;
}

void thread_exit() { call(CALL_EXIT); }

/// The most urgent ready thread; among equals, the next after the current.
Thread* pick() {
    const unsigned from = g_current != nullptr ? static_cast<unsigned>(g_current - g_threads) + 1 : 0;
    Thread* best = nullptr;
    for (unsigned k = 0; k < MAX_THREADS; ++k) {
        Thread& t = g_threads[(from + k) % MAX_THREADS];
        if (t.state == State::ready && (best == nullptr || t.priority > best->priority)) best = &t;
    }
    return best;
}

void block_on(Semaphore& s) {
    g_current->state = State::blocked;
    g_current->next = nullptr;
    Thread** at = &s.waiters;
    while (*at != nullptr) at = &(*at)->next;
    *at = g_current;
}

void on_tick() {
    const u64 now = kit::counter();
    if (now - g_deadline > g_worst) g_worst = now - g_deadline;
    g_ticks = (now - g_start) / g_period; // by the clock: a late tick is not a lost one
    g_deadline = g_start + (g_ticks + 1) * g_period;
    arm_timer(g_deadline);
    g_rotate = true;
    for (Thread& t : g_threads) {
        if (t.state == State::sleeping && t.wake_at <= g_ticks) t.state = State::ready;
    }
}

void on_call(kit::ExceptionFrame& f) {
    const u64 a = f.x[0];
    switch (static_cast<Call>(f.x[8])) {
    case CALL_YIELD: g_rotate = true; break;
    case CALL_SLEEP_UNTIL:
        if (a > g_ticks) {
            g_current->state = State::sleeping;
            g_current->wake_at = a;
        }
        break;
    case CALL_WAIT: {
        auto& s = *reinterpret_cast<Semaphore*>(a);
        if (s.count > 0)
            --s.count;
        else
            block_on(s);
        break;
    }
    case CALL_POST: {
        auto& s = *reinterpret_cast<Semaphore*>(a);
        Thread** best = nullptr;
        for (Thread** at = &s.waiters; *at != nullptr; at = &(*at)->next) {
            if (best == nullptr || (*at)->priority > (*best)->priority) best = at;
        }
        if (best == nullptr) {
            ++s.count;
        } else {
            Thread* t = *best;
            *best = t->next;
            t->state = State::ready;
        }
        break;
    }
    case CALL_EXIT: g_current->state = State::dead; break;
    }
}

bool on_exception(kit::ExceptionFrame& f, u64 kind) {
    if (kind == 0 && (f.esr >> 26) == ESR_EC_SVC64) {
        on_call(f);
        return true;
    }
    if (kind != 1) return false;
    const u32 id = kit::gic::ack();
    if (id == VTIMER) on_tick();
    if (id < 1020) kit::gic::end(id);
    return true;
}

/// After every kernel entry, with the interrupted thread's frame saved: the
/// current thread keeps the core unless it stopped being ready, a more
/// urgent one is ready, or a tick or yield makes round robin due.
kit::ExceptionFrame* switch_frame(kit::ExceptionFrame* interrupted) {
    if (g_current != nullptr) g_current->frame = interrupted; // else: the boot context, dropped
    Thread* next = pick();                                    // the idle thread is always ready
    const bool stay =
        g_current != nullptr && g_current->state == State::ready && !g_rotate && next->priority <= g_current->priority;
    g_rotate = false;
    if (stay) return interrupted;
    g_current = next;
    return next->frame;
}

void idle(u64) {
    for (;;) asm volatile("wfi");
}

} // namespace

void init() {
    g_freq = kit::counter_frequency();
    g_period = g_freq * TICK_US / 1'000'000;
    kit::set_exception_handler(on_exception);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(VTIMER, 0);
    create("idle", 0, idle, 0);
}

void create(const char* name, u8 priority, void (*fn)(u64), u64 arg) {
    for (Thread& t : g_threads) {
        if (t.state != State::unused) continue;
        t.name = name;
        t.priority = priority;
        auto* f = reinterpret_cast<kit::ExceptionFrame*>(t.stack + STACK - sizeof(kit::ExceptionFrame));
        *f = kit::ExceptionFrame{};
        f->x[0] = arg;
        f->x[30] = reinterpret_cast<u64>(&thread_exit);
        f->elr = reinterpret_cast<u64>(fn);
        f->spsr = SPSR_EL1H_IRQS_ON;
        t.frame = f;
        t.state = State::ready;
        return;
    }
    kit::check(false, "rtos: a free thread slot");
}

void start() {
    g_start = kit::counter();
    g_deadline = g_start + g_period;
    arm_timer(g_deadline);
    kit::set_frame_switch(switch_frame);
    call(CALL_YIELD); // the boot context is never resumed
    for (;;) asm volatile("wfi");
}

u64 ticks() { return g_ticks; }
void sleep_until(u64 when) { call(CALL_SLEEP_UNTIL, when); }
void yield() { call(CALL_YIELD); }
void wait(Semaphore& s) { call(CALL_WAIT, reinterpret_cast<u64>(&s)); }
void post(Semaphore& s) { call(CALL_POST, reinterpret_cast<u64>(&s)); }
u64 worst_tick_latency_ns() { return g_worst * 1'000'000'000 / g_freq; }

} // namespace rtos
