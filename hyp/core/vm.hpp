// vm.hpp — a virtual machine (partition) and its virtual CPUs.
#pragma once

#include <atomic>

#include "addr.hpp"
#include "arch_mem.hpp"
#include "checked_range.hpp"
#include "console.hpp"
#include "cpu_features.hpp"
#include "layout.hpp"
#include "log_limit.hpp"
#include "model_device.hpp"
#include "pgtable.hpp"
#include "sched_queue.hpp"
#include "spinlock.hpp"
#include "system_desc.hpp"
#include "vcpu_context.hpp"
#include "vgic.hpp"
#include "vm_health.hpp"
#include "vpl011.hpp"
#include "vplatform.hpp"
#include "vsp805.hpp"

namespace tessera {

struct Vm;
class PageAllocator;

/// off: not started (or PSCI CPU_OFF); starting: claimed by a CPU_ON that is
/// still writing its registers (nothing runs it yet); runnable: wants its
/// core; blocked: waiting in WFI for an interrupt or its timer; stopped: its
/// VM ended.
enum class VcpuState : u8 { off, starting, runnable, blocked, stopped };

/// A virtual CPU: a scheduled entity on one physical core's run queue.
struct Vcpu {
    arch::VcpuContext ctx{};
    Vm* vm = nullptr;
    Vcpu* next = nullptr;       ///< ready-queue link
    Vcpu* timer_next = nullptr; ///< timer-list link (blocked with a wake-up time)
    u64 wake_at = 0;            ///< blocked: counter value its virtual timer fires at
    u64 abort_vector = 0;       ///< guest PC of the last injected abort's vector, 0 if none
    VgicCpu vgic;               ///< its SGIs, PPIs and redistributor
    ConsoleStream console;      ///< its hypercall console: rows of two vCPUs never mix
    u8 lrs_used = 0;            ///< list registers holding its interrupts while it runs
    bool lr_underflow = false;  ///< it runs with the underflow maintenance interrupt asked for
    u8* sve_state = nullptr;    ///< its SVE registers when away from its core (VMs with SVE)
    u64 stall_pc = 0;           ///< guest PC of the last exit that did not move it on
    u32 stalls = 0;             ///< exits in a row that left it at stall_pc
    bool queued = false;        ///< on its core's ready queue or throttled list
    bool on_timer_list = false;
    u8 priority = 0; ///< its VM's priority (higher runs first)
    bool budgeted =
        false; ///< its VM's time on its core is limited (a Budget, set): every exit of it asks the scheduler
    std::atomic<bool> reload{false};              ///< its EL1 state was reset: load it even if its core still has it
    u16 index = 0;                                ///< vCPU number within its VM
    u8 core = 0;                                  ///< physical core it runs on
    std::atomic<VcpuState> state{VcpuState::off}; ///< written by any core (PSCI, wake-ups, stops)
};

/// running; restarting: failed, and to start again from its images (its
/// vCPUs stopped meanwhile); ended (cleanly) and failed are final.
enum class VmState : u8 { running, restarting, ended, failed };

struct Vm {
    const VmDesc* desc = nullptr;
    Stage2Table stage2;
    IpaRange ram{};
    PhysAddr ram_pa{};
    Vcpu* vcpus = nullptr;
    ConsoleStream console; ///< its UART's output (shared by its vCPUs, like a board's UART)
    Vgic vgic;
    Vpl011 uart;
    Vsp805 watchdog;
    VmHealth health;
    bool fill_lazily = false; ///< its RAM is scrubbed 2 MiB at a time on first touch (ram_fill.hpp)
    Spinlock fill_lock;       ///< held while a piece of its RAM is filled (lazily scrubbed VMs)
    u64* filled = nullptr;    ///< lazily scrubbed VMs: a bit per 2 MiB of its RAM, set once written and mapped
    Ipa kernel_ipa{};         ///< where the image (or a Linux kernel) is loaded
    Ipa initrd_ipa{};         ///< Linux: where the initramfs goes (from its device tree)
    Ipa dtb_ipa{};            ///< Linux: where its device tree goes; 0 for bare-metal guests
    u32 seed_offset = 0;      ///< where its device tree's /chosen rng-seed is, 0: none
    u8 seed[vplat::RNG_SEED_BYTES] = {}; ///< this run's seed: drawn by vm_load_begin, written by its piece's fill
    CpuPolicy cpu{};                     ///< what its ID registers show beyond the base features
    u8 channel_count = 0; ///< its channels, in its own numbering: indexes into g_channels (a takeover adds some)
    u8 channels[vplat::MAX_CHANNELS_PER_VM] = {};
    const ModelDevice* models = nullptr; ///< device models of modules in its address space (virtio)
    u8 model_count = 0;
    u8 sve_vq = 0;            ///< its SVE vector length in 128-bit granules (0: none)
    u32 unknown_sysreg = ~0u; ///< encoding of the last unemulated register it used (said once)
    LogLimit log_limit;       ///< the lines its guest may cause (log_limit.hpp)
    u16 id = 0;
    u16 vmid = 0;
    std::atomic<VmState> state{VmState::running}; ///< (any core)
    std::atomic<bool> standby{false};             ///< a failover pair's waiting VM (failover.hpp)
    u64 exit_code = 0;
    Budget budget[TESSERA_MAX_CORES]; ///< CPU budget on each core (shared by its vCPUs there)

    [[nodiscard]] const char* name() const { return desc->name; }
};

/// All VMs of the system, created at boot from the packed description.
struct VmTable {
    Vm* vms = nullptr;
    u16 count = 0;
    std::atomic<bool> powering_off{false}; ///< set once, by the core that reports the final verdict
    /// vm_stop calls between their VM's change of state and its line on the
    /// console: the board does not power off meanwhile (it would stop that
    /// core before the VM's reason is said).
    std::atomic<u32> stops_unsaid{0};
    const PageAllocator* pool = nullptr; ///< the hypervisor's memory, for the restarts' report (never freed)
};
extern constinit VmTable g_vms;

/// Why a VM stopped, for the log line and the final verdict.
enum class StopReason : u8 {
    poweroff,
    exit_code,
    fault,
    unhandled_trap,
    last_cpu_off,
    reset_failed,
    refused,
    watchdog
};

/// Ends `vm`: marks it and every vCPU stopped and logs `why`. A VM that powered
/// off or exited with code 0 ended cleanly; anything else failed — and is
/// restarted instead if its failure policy says so (vm_health.hpp). When
/// this was the last running VM the machine powers off. Safe to call from any core.
void vm_stop(Vm& vm, StopReason reason, u64 code, const char* why);

/// Stops every vCPU of `vm` (none runs again until its VM is loaded again)
/// and kicks the cores that hold one, after flushing its console rows. Any core.
void vm_stop_vcpus(Vm& vm);

/// Marks `vm` failed before it ever ran (boot), saying `why`: its own
/// description asks what this board cannot give. The other VMs run on.
void vm_refuse(Vm& vm, const char* why);

/// Logs the final verdict and powers off if no VM is running (any core).
void vms_power_off_if_all_stopped();

/// Loads `vm` whole: vm_load_begin, vm_scrub of all its RAM (none for a VM
/// scrubbed on first touch), vm_load_finish (boot).
void vm_load(Vm& vm);

/// A (re)load's first step: its model devices back to power-on, so that
/// nothing in flight lands in its RAM from now on. Its vCPUs are off their cores.
void vm_load_begin(Vm& vm);

/// Bytes vm_scrub() does between looks at the clock.
inline constexpr u64 SCRUB_PIECE = 256 * KiB;

/// Rewrites `vm`'s RAM from byte `from` as a fresh boot finds it — zeros
/// and its images, cleaned to the point of coherency — until it is all done or the counter reaches `until`; returns
/// the next byte to do (vm.ram.size: done). Bounded slices let its home
/// core run other vCPUs in between.
u64 vm_scrub(Vm& vm, u64 from, u64 until);

/// Writes bytes [off, off + n) of `vm`'s RAM as a fresh boot finds them —
/// the parts of its images there, zeros elsewhere, a fresh RNG seed in its
/// device tree — cleaned to the point of coherency. vm_scrub's and a lazy
/// fill's one writer (ram_fill.cpp).
void vm_fill_bytes(Vm& vm, u64 off, u64 n);

/// A (re)load's last step, its RAM rewritten (or to be written on first
/// touch): its devices and vCPUs reset, vCPU 0 runnable at the image's entry.
void vm_load_finish(Vm& vm);

/// The piece of RAM a first touch fills and maps (ram_fill.hpp): one stage-2 block.
inline constexpr u64 RAM_FILL_PIECE = 2 * MiB;

/// How a VM's RAM is mapped in its stage 2: normal memory it may read, write and run.
inline constexpr MapAttrs VM_RAM_ATTRS{true, true, true, MapAttrs::Mem::normal};

/// How many pieces `vm`'s RAM has (the last one ragged if its size is not whole pieces).
inline u64 vm_ram_pieces(const Vm& vm) { return (vm.ram.size + RAM_FILL_PIECE - 1) / RAM_FILL_PIECE; }

/// Whether piece `piece` of a lazily scrubbed `vm`'s RAM is filled (and so
/// mapped: its bit is set after its mapping). Any core.
inline bool vm_piece_filled(const Vm& vm, u64 piece) {
    return (__atomic_load_n(&vm.filled[piece / 64], __ATOMIC_ACQUIRE) >> (piece % 64) & 1) != 0;
}

/// Fills (and maps) every piece of a lazily scrubbed `vm`'s RAM that bytes
/// [off, off + len) of it reach and that is not filled yet (ram_fill.cpp). Any core.
void vm_fill_range(Vm& vm, u64 off, u64 len);

/// The hypervisor's way into `vm`'s RAM: where guest-physical [ipa, ipa +
/// len) is, nullptr if not wholly inside its RAM. What a lazily scrubbed VM
/// has not touched yet is filled first (ram_fill.hpp): nothing its last run
/// (or whatever the board held before) left there is ever read or kept.
/// (Inline: the devices ask for every buffer; one filled piece is one bit.)
[[nodiscard]] inline u8* vm_ram_at(Vm& vm, u64 ipa, u64 len) {
    if (!fits_inside(ipa, len, vm.ram.base.raw(), vm.ram.size)) return nullptr;
    const u64 off = ipa - vm.ram.base.raw();
    if (vm.fill_lazily) {
        const u64 piece = off / RAM_FILL_PIECE;
        const bool one_filled = len != 0 && (off + len - 1) / RAM_FILL_PIECE == piece && vm_piece_filled(vm, piece);
        if (!one_filled) vm_fill_range(vm, off, len);
    }
    return static_cast<u8*>(arch::phys_to_ptr(vm.ram_pa)) + off;
}

/// The VM the board's device `device` belongs to (nullptr: none), and
/// giving it one (at boot, and to a failover standby that takes over).
Vm* device_owner(unsigned device);
void set_device_owner(unsigned device, Vm* vm);

/// A passed-through device's interrupt `intid` arrived: injects it into its
/// owner (hardware-linked) and returns true; false if no running VM owns it
/// (the caller then deactivates it).
[[nodiscard]] bool device_irq_forward(u32 intid);

/// Audits every other VM's stage-2 table, mapping by mapping: true if none
/// reaches any byte of `vm`'s RAM. `audited` counts the mappings looked at.
[[nodiscard]] bool vm_memory_private(const Vm& vm, u64& audited);

/// Creates every VM of `sys`: memory, stage-2 tables, images, vCPUs.
/// Runs once on the boot core; panics (with the VM's name) if the board lacks
/// the memory the description asks for.
void vms_create(const SystemDesc& sys, PageAllocator& alloc);

/// Takes every vCPU of `vm` off its core (kicking the other cores and
/// waiting up to 1 s for each), so that its memory and state may be
/// rewritten. Called on the core of one of its vCPUs, or its home core.
/// False, saying why in `why`, if a core did not let go in time.
[[nodiscard]] bool vm_quiesce(Vm& vm, char* why, usize cap);

/// Waits (at most 1 s) until `v`, no longer runnable, has left its core —
/// that core has decided since, and its exit saved all of `v`'s registers —
/// so that they may be rewritten; kicks that core first. True once it has
/// (at once if `v` lives on this core, which runs the caller). Any core.
[[nodiscard]] bool vcpu_leave_core(Vcpu& v);

/// For a call of `caller` (its registers perhaps not all saved yet: a short
/// exit, entry.S): waits (at most 1 s) until `v`, which has turned itself
/// off, has left its core, so that its registers may be rewritten. Never lets
/// go of this core's own vCPU (vcpu_leave_core does, for a quiesce); gives up
/// instead, false, if `caller` stops meanwhile (its VM stopping or
/// restarting: a core quiescing it may be waiting for this one).
[[nodiscard]] bool vcpu_wait_off_core(Vcpu& v, const Vcpu& caller);

/// Restarts a running `vm` from its original images (PSCI SYSTEM_RESET):
/// its vCPUs stop now; its home core reloads it (vm_restart_request). A VM
/// that has failed, ended or is restarting already is left alone.
void vm_reset(Vm& vm);

/// Where a Linux guest's initramfs goes, read from its device tree (`size`
/// bytes) at /chosen linux,initrd-start (boot time only). 0 if it has none
/// or the tree is not whole and valid within those bytes.
Ipa linux_initrd_address(const void* dtb, u64 size);

/// Where in a VM's device tree (`size` bytes) the value of /chosen rng-seed
/// starts, if it has one of VM_SEED_BYTES (boot time only); 0 if none.
u32 vm_rng_seed_offset(const void* dtb, u64 size);

} // namespace tessera
