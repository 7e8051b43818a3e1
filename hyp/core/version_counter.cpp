// version_counter.cpp — boot-only: the security-version counter's append-only records in two flash sectors.
#include "version_counter.hpp"

namespace tessera {

namespace {

/// A record is two words: the value and the value XOR this tag. An erased
/// slot (all ones), a zeroed one, a torn write (one word, or some bits of
/// one) and foreign data all fail the pairing and count as no record.
constexpr u32 RECORD_TAG = 0x5453'5643; // "TSVC"
constexpr u64 RECORD_BYTES = 8;
constexpr u32 ERASED = 0xffff'ffff;

struct SectorScan {
    bool any = false; ///< it holds at least one whole record
    u32 max = 0;      ///< the highest of them
    u64 used = 0;     ///< bytes up to the first erased slot (records are appended in order)
};

SectorScan scan(const NvFlash& f, unsigned sector) {
    SectorScan s;
    const u64 size = f.sector_size;
    for (s.used = 0; s.used + RECORD_BYTES <= size; s.used += RECORD_BYTES) {
        const u32 value = f.read(f.self, sector, s.used);
        const u32 check = f.read(f.self, sector, s.used + 4);
        if (value == ERASED && check == ERASED) break;
        if ((value ^ RECORD_TAG) == check && (!s.any || value > s.max)) {
            s.max = value;
            s.any = true;
        }
    }
    return s;
}

/// Writes the record for `value` at `offset`: the check word last, so a cut between leaves no record.
bool write_record(const NvFlash& f, unsigned sector, u64 offset, u32 value) {
    if (!f.program(f.self, sector, offset, value) || !f.program(f.self, sector, offset + 4, value ^ RECORD_TAG))
        return false;
    return f.read(f.self, sector, offset) == value && f.read(f.self, sector, offset + 4) == (value ^ RECORD_TAG);
}

u32 max_of(const SectorScan (&s)[2]) { return s[0].max > s[1].max ? s[0].max : s[1].max; }

/// The raise, from scans of both sectors (see version_counter_raise).
Status raise(const NvFlash& f, const SectorScan (&s)[2], u32 value) {
    if (value <= max_of(s)) return Status::invalid;
    // Append in the sector holding the newest record (sector 0 on a new board).
    const unsigned cur = (s[1].any && (!s[0].any || s[1].max > s[0].max)) ? 1 : 0;
    if (s[cur].used + RECORD_BYTES <= f.sector_size && write_record(f, cur, s[cur].used, value)) return Status::ok;
    // Full, or the slot took a bad write: move to the other sector, then let the full one go.
    const unsigned other = 1 - cur;
    if (!f.erase(f.self, other) || !write_record(f, other, 0, value)) return Status::not_found;
    (void)f.erase(f.self, cur); // a failure leaves older records there, which never outrank the new one
    return Status::ok;
}

} // namespace

u32 version_counter_read(const NvFlash& f) {
    const SectorScan s[2] = {scan(f, 0), scan(f, 1)};
    return max_of(s);
}

Status version_counter_raise(const NvFlash& f, u32 value) {
    const SectorScan s[2] = {scan(f, 0), scan(f, 1)};
    return raise(f, s, value);
}

bool rollback_check(const NvFlash& f, u32 version, RollbackVerdict& out) {
    const SectorScan s[2] = {scan(f, 0), scan(f, 1)}; // one scan decides and raises
    out.counter_before = max_of(s);
    if (version < out.counter_before) return false;
    if (version > out.counter_before) {
        out.raise_status = raise(f, s, version);
        out.raised = out.raise_status == Status::ok;
    }
    return true;
}

} // namespace tessera
