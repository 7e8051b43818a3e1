// test_version_counter.cpp — the anti-rollback counter's records on a simulated NOR flash: monotonic, compacted
// when a sector fills, and never lower after a power cut or a torn write at any step.
#include <gtest/gtest.h>

#include <vector>

#include "version_counter.hpp"

namespace tessera {
namespace {

/// Two sectors of NOR flash: programming only clears bits, erasing sets a
/// sector to ones. The power can be cut before any operation (the rest do
/// nothing), optionally tearing the one it cuts (half done).
struct FakeNor {
    static constexpr u64 SECTOR = 64; // 8 records: compaction comes quickly
    std::vector<u32> words[2] = {std::vector<u32>(SECTOR / 4, ~0u), std::vector<u32>(SECTOR / 4, ~0u)};
    long budget = -1; ///< operations left before the cut; -1: no cut
    bool torn = false;
    bool program_fails = false;
    bool erase_fails = false;
    long ops = 0;

    /// True if the operation may run; `half` is set when it is the torn one.
    bool power(bool& half) {
        ++ops;
        half = false;
        if (budget < 0) return true;
        if (budget == 0) return false;
        if (--budget == 0 && torn) half = true;
        return budget > 0 || half;
    }

    NvFlash flash() {
        return NvFlash{SECTOR,
                       [](void* s, unsigned sec, u64 off) { return static_cast<FakeNor*>(s)->words[sec][off / 4]; },
                       [](void* s, unsigned sec, u64 off, u32 v) {
                           auto& f = *static_cast<FakeNor*>(s);
                           bool half = false;
                           if (!f.power(half)) return false;
                           if (f.program_fails) {
                               f.words[sec][off / 4] &= v | 0xffff'0000u; // some bits went
                               return false;
                           }
                           f.words[sec][off / 4] &= half ? (v | 0xffff'0000u) : v;
                           return true;
                       },
                       [](void* s, unsigned sec) {
                           auto& f = *static_cast<FakeNor*>(s);
                           bool half = false;
                           if (!f.power(half) || f.erase_fails) return false;
                           const size_t n = half ? f.words[sec].size() / 2 : f.words[sec].size();
                           for (size_t i = 0; i < n; ++i) f.words[sec][i] = ~0u;
                           return true;
                       },
                       this};
    }
};

TEST(VersionCounter, NewErasedOrZeroedBoardCountsZero) {
    FakeNor erased;
    EXPECT_EQ(version_counter_read(erased.flash()), 0u);
    FakeNor zeroed;
    for (auto& s : zeroed.words) std::fill(s.begin(), s.end(), 0u);
    EXPECT_EQ(version_counter_read(zeroed.flash()), 0u);
    // A zeroed board (QEMU's new flash file) takes its first record by compaction.
    ASSERT_EQ(version_counter_raise(zeroed.flash(), 3), Status::ok);
    EXPECT_EQ(version_counter_read(zeroed.flash()), 3u);
}

TEST(VersionCounter, RaisesOnlyUpwardsAndCompactsAcrossSectors) {
    FakeNor f;
    const NvFlash nv = f.flash();
    EXPECT_EQ(version_counter_raise(nv, 0), Status::invalid);
    for (u32 v = 1; v <= 40; ++v) { // five sectors' worth of records: both sectors are reused
        ASSERT_EQ(version_counter_raise(nv, v), Status::ok) << v;
        ASSERT_EQ(version_counter_read(nv), v);
        EXPECT_EQ(version_counter_raise(nv, v), Status::invalid);
        EXPECT_EQ(version_counter_raise(nv, v - 1), Status::invalid);
        EXPECT_EQ(version_counter_read(nv), v);
    }
    ASSERT_EQ(version_counter_raise(nv, 0xffff'ffffu), Status::ok);
    EXPECT_EQ(version_counter_read(nv), 0xffff'ffffu);
}

TEST(VersionCounter, PowerCutAtAnyStepLeavesTheOldValueOrTheNew) {
    for (const bool torn : {false, true}) {
        for (long cut = 0; cut < 200; ++cut) {
            FakeNor f;
            const NvFlash nv = f.flash();
            u32 last = 0;
            for (u32 v = 1; v <= 20; ++v) {
                if (f.ops == cut) {
                    f.budget = 1;
                    f.torn = torn;
                }
                const Status s = version_counter_raise(nv, v);
                const u32 now = version_counter_read(nv);
                ASSERT_TRUE(now == last || now == v) << "cut " << cut << " torn " << torn << " at " << v << ": " << now;
                if (f.budget == 0) { // the power came back: the board goes on from what it kept
                    f.budget = -1;
                    ASSERT_EQ(version_counter_raise(nv, v + 100), Status::ok);
                    ASSERT_EQ(version_counter_read(nv), v + 100);
                    break;
                }
                ASSERT_EQ(s, Status::ok);
                last = now;
            }
        }
    }
}

TEST(VersionCounter, AFailingSlotMovesToTheOtherSectorAndADeadFlashSaysSo) {
    FakeNor f;
    const NvFlash nv = f.flash();
    ASSERT_EQ(version_counter_raise(nv, 4), Status::ok);
    f.program_fails = true;
    EXPECT_EQ(version_counter_raise(nv, 5), Status::not_found);
    EXPECT_EQ(version_counter_read(nv), 4u); // the half-written records do not count
    f.program_fails = false;
    ASSERT_EQ(version_counter_raise(nv, 6), Status::ok);
    EXPECT_EQ(version_counter_read(nv), 6u);
    f.erase_fails = true;
    for (u32 v = 7; v < 40; ++v) {
        if (version_counter_raise(nv, v) != Status::ok) { // full, and the other sector cannot be erased
            EXPECT_EQ(version_counter_read(nv), v - 1);
            return;
        }
    }
    FAIL() << "a flash that cannot erase took unlimited records";
}

TEST(VersionCounter, ForeignContentsAreNoRecord) {
    FakeNor f;
    for (size_t i = 0; i < f.words[0].size(); ++i) f.words[0][i] = 0x1234'5678u + static_cast<u32>(i);
    EXPECT_EQ(version_counter_read(f.flash()), 0u);
    ASSERT_EQ(version_counter_raise(f.flash(), 2), Status::ok);
    EXPECT_EQ(version_counter_read(f.flash()), 2u);
}

TEST(RollbackCheck, RefusesLowerKeepsEqualRaisesHigher) {
    FakeNor f;
    const NvFlash nv = f.flash();
    RollbackVerdict r;
    ASSERT_TRUE(rollback_check(nv, 2, r));
    EXPECT_TRUE(r.raised);
    EXPECT_EQ(r.counter_before, 0u);
    r = {};
    EXPECT_FALSE(rollback_check(nv, 1, r));
    EXPECT_EQ(r.counter_before, 2u);
    EXPECT_FALSE(r.raised);
    r = {};
    ASSERT_TRUE(rollback_check(nv, 2, r));
    EXPECT_FALSE(r.raised);
    r = {};
    f.program_fails = true;
    f.erase_fails = true;
    ASSERT_TRUE(rollback_check(nv, 3, r)); // not a rollback, but the raise is reported as failed
    EXPECT_FALSE(r.raised);
    EXPECT_EQ(r.raise_status, Status::not_found);
    EXPECT_EQ(version_counter_read(nv), 2u);
}

} // namespace
} // namespace tessera
