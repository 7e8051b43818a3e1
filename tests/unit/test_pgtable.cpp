// test_pgtable.cpp — stage-2 and EL2 translation tables on fake physical memory.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "pgtable.hpp"

using namespace tessera;

namespace {

constexpr u64 RAM_BASE = 0x8000'0000;
constexpr u64 RAM_SIZE = 8 * MiB;

class PageTableTest : public ::testing::Test {
protected:
    void SetUp() override {
        arch::fake_ram_init(PhysAddr(RAM_BASE), RAM_SIZE);
        ASSERT_EQ(alloc.add_range({PhysAddr(RAM_BASE), RAM_SIZE}), Status::ok);
        ASSERT_EQ(s2.init(alloc), Status::ok);
    }
    PageAllocator alloc;
    Stage2Table s2;
    const MapAttrs rwx{true, true, true, MapAttrs::Mem::normal};
};

TEST_F(PageTableTest, UnmappedAddressesAreNotFound) {
    EXPECT_EQ(s2.lookup(Ipa(0x4000'0000)).status(), Status::not_found);
    EXPECT_EQ(s2.lookup(Ipa(0)).status(), Status::not_found);
    EXPECT_EQ(s2.lookup(Ipa(1ull << 39)).status(), Status::not_found); // beyond the 39-bit IPA space
}

TEST_F(PageTableTest, MapsPagesAndTranslatesEveryByteOffset) {
    ASSERT_EQ(s2.map(Ipa(0x4000'0000), PhysAddr(0x1'2345'6000), 3 * PAGE_SIZE, rwx, alloc), Status::ok);
    auto t = s2.lookup(Ipa(0x4000'1abc));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value().pa.raw(), 0x1'2345'7abcu);
    EXPECT_EQ(t.value().level, 3u);
    EXPECT_EQ(t.value().attrs, rwx);
    EXPECT_FALSE(s2.lookup(Ipa(0x4000'3000)).ok()); // one past the end
    EXPECT_FALSE(s2.lookup(Ipa(0x3fff'f000)).ok()); // one before the start
}

TEST_F(PageTableTest, UsesTwoMegabyteBlocksWhenAligned) {
    ASSERT_EQ(s2.map(Ipa(0x4000'0000), PhysAddr(0x6000'0000), 4 * MiB, rwx, alloc), Status::ok);
    auto t = s2.lookup(Ipa(0x4030'0010));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value().level, 2u);
    EXPECT_EQ(t.value().pa.raw(), 0x6030'0010u);
    // Root + one level-2 table, no level-3 tables.
    EXPECT_EQ(s2.table_pages(), 2u);
}

TEST_F(PageTableTest, MixesBlocksAndPagesForUnalignedEdges) {
    // 4 KiB .. 2 MiB + 8 KiB: pages on both sides of one block.
    ASSERT_EQ(s2.map(Ipa(0x401f'f000), PhysAddr(0x601f'f000), 2 * MiB + 2 * PAGE_SIZE, rwx, alloc), Status::ok);
    EXPECT_EQ(s2.lookup(Ipa(0x401f'f000)).value().level, 3u);
    EXPECT_EQ(s2.lookup(Ipa(0x4020'0000)).value().level, 2u);
    EXPECT_EQ(s2.lookup(Ipa(0x4040'0000)).value().level, 3u);
    EXPECT_EQ(s2.lookup(Ipa(0x4040'0fff)).value().pa.raw(), 0x6040'0fffu);
    EXPECT_FALSE(s2.lookup(Ipa(0x4040'1000)).ok());
}

// A run of pages that crosses into the next 2 MiB with too little left for a
// block goes on in the next level-3 table, not round again in the first.
TEST_F(PageTableTest, PagesThatCrossTwoMegabytesGoOnInTheNextTable) {
    ASSERT_EQ(s2.map(Ipa(0x4018'0000), PhysAddr(0x6018'0000), 1 * MiB, rwx, alloc), Status::ok);
    EXPECT_EQ(s2.lookup(Ipa(0x4020'0000)).value().pa.raw(), 0x6020'0000u);
    EXPECT_EQ(s2.lookup(Ipa(0x4027'f000)).value().level, 3u);
    EXPECT_FALSE(s2.lookup(Ipa(0x4000'0000)).ok());
    EXPECT_FALSE(s2.lookup(Ipa(0x4028'0000)).ok());
    unsigned leaves = 0;
    s2.for_each_leaf([&](Ipa, PhysAddr, u64 size) {
        EXPECT_EQ(size, PAGE_SIZE);
        ++leaves;
    });
    EXPECT_EQ(leaves, 256u);
}

TEST_F(PageTableTest, ForEachLeafVisitsEveryMappingOnceInOrder) {
    ASSERT_EQ(s2.map(Ipa(0x401f'f000), PhysAddr(0x601f'f000), 2 * MiB + 2 * PAGE_SIZE, rwx, alloc), Status::ok);
    ASSERT_EQ(s2.map(Ipa(0x8000'0000), PhysAddr(0x9000'0000), PAGE_SIZE, rwx, alloc), Status::ok);
    std::vector<std::tuple<u64, u64, u64>> seen;
    s2.for_each_leaf([&](Ipa ipa, PhysAddr pa, u64 size) { seen.emplace_back(ipa.raw(), pa.raw(), size); });
    const std::vector<std::tuple<u64, u64, u64>> want = {{0x401f'f000, 0x601f'f000, PAGE_SIZE},
                                                         {0x4020'0000, 0x6020'0000, 2 * MiB},
                                                         {0x4040'0000, 0x6040'0000, PAGE_SIZE},
                                                         {0x8000'0000, 0x9000'0000, PAGE_SIZE}};
    EXPECT_EQ(seen, want);
}

TEST_F(PageTableTest, RefusesToReplaceAnExistingMapping) {
    ASSERT_EQ(s2.map(Ipa(0x4000'0000), PhysAddr(0x6000'0000), 2 * MiB, rwx, alloc), Status::ok);
    EXPECT_EQ(s2.map(Ipa(0x4010'0000), PhysAddr(0x7000'0000), PAGE_SIZE, rwx, alloc), Status::already_mapped);
    EXPECT_EQ(s2.map(Ipa(0x4000'0000), PhysAddr(0x7000'0000), 2 * MiB, rwx, alloc), Status::already_mapped);
    EXPECT_EQ(s2.lookup(Ipa(0x4010'0000)).value().pa.raw(), 0x6010'0000u); // unchanged
}

TEST_F(PageTableTest, RejectsMisalignedOrOutOfRangeRequests) {
    EXPECT_EQ(s2.map(Ipa(0x4000'0800), PhysAddr(0x6000'0000), PAGE_SIZE, rwx, alloc), Status::invalid);
    EXPECT_EQ(s2.map(Ipa(0x4000'0000), PhysAddr(0x6000'0800), PAGE_SIZE, rwx, alloc), Status::invalid);
    EXPECT_EQ(s2.map(Ipa(0x4000'0000), PhysAddr(0x6000'0000), 100, rwx, alloc), Status::invalid);
    EXPECT_EQ(s2.map(Ipa((1ull << 39) - PAGE_SIZE), PhysAddr(0), 2 * PAGE_SIZE, rwx, alloc), Status::invalid);
}

TEST_F(PageTableTest, Stage2EncodesPermissionsAndMemoryType) {
    const MapAttrs ro_dev{true, false, false, MapAttrs::Mem::device};
    ASSERT_EQ(s2.map(Ipa(0x0900'0000), PhysAddr(0x0900'0000), PAGE_SIZE, ro_dev, alloc), Status::ok);
    auto t = s2.lookup(Ipa(0x0900'0000));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value().attrs, ro_dev);
    // The raw descriptor: S2AP = read only, MemAttr = Device-nGnRE, XN set, AF set.
    const u64 e = Stage2Format::encode(ro_dev);
    EXPECT_EQ((e >> 6) & 3, 1u);
    EXPECT_EQ((e >> 2) & 0xf, 1u);
    EXPECT_EQ((e >> 53) & 3, 2u);
}

TEST_F(PageTableTest, El2FormatIsWriteXorExecute) {
    El2Table el2;
    ASSERT_EQ(el2.init(alloc), Status::ok);
    const MapAttrs code{true, false, true, MapAttrs::Mem::normal};
    const MapAttrs data{true, true, false, MapAttrs::Mem::normal};
    ASSERT_EQ(el2.map(VirtAddr(0x4020'0000), PhysAddr(0x4020'0000), PAGE_SIZE, code, alloc), Status::ok);
    ASSERT_EQ(el2.map(VirtAddr(0x4020'1000), PhysAddr(0x4020'1000), PAGE_SIZE, data, alloc), Status::ok);
    EXPECT_EQ(el2.lookup(VirtAddr(0x4020'0000)).value().attrs, code);
    EXPECT_EQ(el2.lookup(VirtAddr(0x4020'1000)).value().attrs, data);
    EXPECT_NE(El2Format::encode(code) & El2Format::AP_RO, 0u);
    EXPECT_NE(El2Format::encode(data) & El2Format::XN, 0u);
}

TEST_F(PageTableTest, RunningOutOfTablePagesIsReported) {
    PageAllocator tiny;
    ASSERT_EQ(tiny.add_range({PhysAddr(RAM_BASE + 7 * MiB), 2 * PAGE_SIZE}), Status::ok);
    Stage2Table t;
    ASSERT_EQ(t.init(tiny), Status::ok);
    // Needs a level-2 and a level-3 table: only one page is left.
    EXPECT_EQ(t.map(Ipa(0x4000'0000), PhysAddr(0x6000'0000), PAGE_SIZE, rwx, tiny), Status::no_memory);
}

} // namespace

namespace {

// unmap() removes whole leaves only, keeps the tables, and a second map of
// the range needs no allocation.
TEST_F(PageTableTest, UnmapRemovesWholeLeavesAndKeepsTheTables) {
    const MapAttrs rw{true, true, false, MapAttrs::Mem::normal};
    ASSERT_EQ(s2.map(Ipa(0x3000'0000), PhysAddr(0x1'0000'0000), 16 * KiB, rw, alloc), Status::ok);
    const usize pages = s2.table_pages();
    EXPECT_EQ(s2.unmap(Ipa(0x3000'0000), 8 * KiB + 4 * KiB), Status::ok);
    EXPECT_FALSE(s2.lookup(Ipa(0x3000'0000)).ok());
    EXPECT_FALSE(s2.lookup(Ipa(0x3000'2000)).ok());
    EXPECT_TRUE(s2.lookup(Ipa(0x3000'3000)).ok());
    EXPECT_EQ(s2.unmap(Ipa(0x3000'0000), 4 * KiB), Status::invalid); // a hole
    EXPECT_EQ(s2.unmap(Ipa(0x3000'3000), 4 * KiB), Status::ok);
    PageAllocator none;
    EXPECT_EQ(s2.map(Ipa(0x3000'0000), PhysAddr(0x1'0000'0000), 16 * KiB, rw, none), Status::ok);
    EXPECT_EQ(s2.table_pages(), pages);
    ASSERT_EQ(s2.map(Ipa(0x4000'0000), PhysAddr(0x1'0020'0000), 2 * MiB, rw, alloc), Status::ok); // a block
    EXPECT_EQ(s2.unmap(Ipa(0x4000'0000), 4 * KiB), Status::invalid);                              // would split it
    EXPECT_TRUE(s2.lookup(Ipa(0x4000'0000)).ok());
    EXPECT_EQ(s2.unmap(Ipa(0x4000'0000), 2 * MiB), Status::ok);
    EXPECT_FALSE(s2.lookup(Ipa(0x4000'0000)).ok());
}

} // namespace

namespace {

// prepare() makes exactly the tables map() of the range would, and maps
// nothing: its pieces — whole blocks, and the pages of a ragged end in a
// table of their own, across a level-1 boundary too — are then mapped one
// by one from an empty pool.
TEST_F(PageTableTest, PrepareMakesTheTablesAndMapsNothing) {
    const u64 base = 0x7fa0'0000; // 6 MiB below a 1 GiB boundary
    const u64 size = 8 * MiB + 12 * KiB;
    ASSERT_EQ(s2.prepare(Ipa(base), PhysAddr(0x1'0000'0000), size, alloc), Status::ok);
    // Root, two level-2 tables (either side of 2 GiB), one level-3 table for the 12 KiB.
    EXPECT_EQ(s2.table_pages(), 4u);
    for (u64 off = 0; off < size; off += 4 * KiB) ASSERT_FALSE(s2.lookup(Ipa(base + off)).ok()) << off;
    PageAllocator none;
    for (u64 off = 0; off < size; off += 2 * MiB) {
        const u64 n = size - off < 2 * MiB ? size - off : 2 * MiB;
        ASSERT_EQ(s2.map(Ipa(base + off), PhysAddr(0x1'0000'0000 + off), n, rwx, none), Status::ok) << off;
    }
    EXPECT_EQ(s2.table_pages(), 4u);
    EXPECT_EQ(s2.lookup(Ipa(base + 7 * MiB)).value().level, 2u);
    EXPECT_EQ(s2.lookup(Ipa(base + 8 * MiB + 8 * KiB)).value().pa.raw(), 0x1'0080'2000u);
    EXPECT_EQ(s2.lookup(Ipa(base + 8 * MiB + 8 * KiB)).value().level, 3u);
    EXPECT_EQ(s2.prepare(Ipa(base + 1), PhysAddr(0), 4 * KiB, alloc), Status::invalid);
}

} // namespace
