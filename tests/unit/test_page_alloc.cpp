// test_page_alloc.cpp — the boot-time page allocator: alignment, splitting, reservation, exhaustion.
#include <gtest/gtest.h>

#include "page_alloc.hpp"

using namespace tessera;

namespace {

PhysRange range(u64 base, u64 size) { return PhysRange{PhysAddr(base), size}; }

TEST(PageAllocator, AllocatesLowestFirstAndAccountsBytes) {
    PageAllocator a;
    ASSERT_EQ(a.add_range(range(0x8000'0000, 16 * PAGE_SIZE)), Status::ok);
    auto p = a.alloc(PAGE_SIZE);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.value().raw(), 0x8000'0000u);
    auto q = a.alloc(PAGE_SIZE);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q.value().raw(), 0x8000'1000u);
    EXPECT_EQ(a.free_bytes(), 14 * PAGE_SIZE);
}

TEST(PageAllocator, RoundsSizeUpToPages) {
    PageAllocator a;
    ASSERT_EQ(a.add_range(range(0x8000'0000, 4 * PAGE_SIZE)), Status::ok);
    ASSERT_TRUE(a.alloc(1).ok());
    EXPECT_EQ(a.free_bytes(), 3 * PAGE_SIZE);
}

TEST(PageAllocator, HonoursAlignmentAndKeepsTheGapFree) {
    PageAllocator a;
    ASSERT_EQ(a.add_range(range(0x4000'1000, 8 * MiB)), Status::ok);
    auto big = a.alloc(2 * MiB, 2 * MiB);
    ASSERT_TRUE(big.ok());
    EXPECT_EQ(big.value().raw(), 0x4020'0000u);
    // The pages below the aligned block are still there for small requests.
    auto small = a.alloc(PAGE_SIZE);
    ASSERT_TRUE(small.ok());
    EXPECT_EQ(small.value().raw(), 0x4000'1000u);
    EXPECT_EQ(a.free_bytes(), 8 * MiB - 2 * MiB - PAGE_SIZE);
}

TEST(PageAllocator, NeverHandsOutTheSamePageTwice) {
    PageAllocator a;
    ASSERT_EQ(a.add_range(range(0x1000'0000, 64 * PAGE_SIZE)), Status::ok);
    u64 seen[64] = {};
    for (auto& s : seen) {
        auto p = a.alloc(PAGE_SIZE);
        ASSERT_TRUE(p.ok());
        s = p.value().raw();
    }
    for (int i = 0; i < 64; ++i) {
        for (int j = i + 1; j < 64; ++j) EXPECT_NE(seen[i], seen[j]);
    }
    auto none = a.alloc(PAGE_SIZE);
    EXPECT_FALSE(none.ok());
    EXPECT_EQ(none.status(), Status::no_memory);
}

TEST(PageAllocator, ExhaustionFailsWithoutChangingState) {
    PageAllocator a;
    ASSERT_EQ(a.add_range(range(0x1010'0000, 3 * MiB)), Status::ok);
    EXPECT_EQ(a.alloc(4 * MiB).status(), Status::no_memory);
    EXPECT_EQ(a.alloc(2 * MiB, 4 * MiB).status(), Status::no_memory);
    EXPECT_EQ(a.free_bytes(), 3 * MiB);
}

TEST(PageAllocator, ReserveCarvesHolesOutOfFreeRanges) {
    PageAllocator a;
    ASSERT_EQ(a.add_range(range(0x4000'0000, 16 * PAGE_SIZE)), Status::ok);
    // An unaligned reservation grows to whole pages.
    ASSERT_EQ(a.reserve(range(0x4000'2800, 0x1000)), Status::ok);
    EXPECT_EQ(a.range_count(), 2u);
    EXPECT_EQ(a.free_bytes(), 14 * PAGE_SIZE);
    for (int i = 0; i < 14; ++i) {
        auto p = a.alloc(PAGE_SIZE);
        ASSERT_TRUE(p.ok());
        EXPECT_NE(p.value().raw(), 0x4000'2000u);
        EXPECT_NE(p.value().raw(), 0x4000'3000u);
    }
    EXPECT_FALSE(a.alloc(PAGE_SIZE).ok());
}

TEST(PageAllocator, RejectsOverlappingRangesAndBadArguments) {
    PageAllocator a;
    ASSERT_EQ(a.add_range(range(0x4000'0000, MiB)), Status::ok);
    EXPECT_EQ(a.add_range(range(0x400f'f000, MiB)), Status::invalid);
    EXPECT_EQ(a.alloc(0).status(), Status::invalid);
    EXPECT_EQ(a.alloc(PAGE_SIZE, 3 * PAGE_SIZE).status(), Status::invalid);
    EXPECT_EQ(a.alloc(PAGE_SIZE, 512).status(), Status::invalid);
}

TEST(PageAllocator, RangeTableFullIsAnErrorNotACorruption) {
    PageAllocator a;
    // Ranges that start one page past an even page: an even-aligned page
    // from the middle would split a range in three.
    for (u64 i = 0; i < PageAllocator::MAX_RANGES; ++i) {
        ASSERT_EQ(a.add_range(range(0x1000'0000 + i * MiB + PAGE_SIZE, PAGE_SIZE * 3)), Status::ok);
    }
    EXPECT_EQ(a.add_range(range(0x9000'0000, PAGE_SIZE)), Status::no_memory);
    EXPECT_EQ(a.alloc(PAGE_SIZE, 2 * PAGE_SIZE).status(), Status::no_memory);
    EXPECT_EQ(a.free_bytes(), PageAllocator::MAX_RANGES * 3 * PAGE_SIZE);
    // An allocation that needs no split still works.
    auto p = a.alloc(PAGE_SIZE);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.value().raw(), 0x1000'1000u);
}

} // namespace
