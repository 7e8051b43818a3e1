// test_sched_queue.cpp — the scheduler's ready queues, budgets and timer list.
#include <gtest/gtest.h>

#include "sched_queue.hpp"

namespace {

using tessera::Budget;
using tessera::ReadyQueues;
using tessera::TimerList;
using tessera::u64;
using tessera::u8;

struct Node {
    Node* next = nullptr;
    Node* timer_next = nullptr;
    bool queued = false;
    bool on_timer_list = false;
    u8 priority = 0;
    u64 wake_at = 0;
};

TEST(ReadyQueues, HighestPriorityFirstAndRoundRobinWithinALevel) {
    Node low1{.priority = 1}, low2{.priority = 1}, high{.priority = 7};
    ReadyQueues<Node> q;
    q.push(low1);
    q.push(low2);
    q.push(high);
    EXPECT_EQ(q.peek(), &high);
    EXPECT_EQ(q.pop(), &high);
    EXPECT_EQ(q.pop(), &low1);
    q.push(low1); // its slice ended: to the back of its level
    EXPECT_EQ(q.pop(), &low2);
    EXPECT_EQ(q.pop(), &low1);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.pop(), nullptr);
}

TEST(ReadyQueues, AQueuedNodeIsNotQueuedTwice) {
    Node a{.priority = 3};
    ReadyQueues<Node> q;
    q.push(a);
    q.push(a);
    EXPECT_EQ(q.pop(), &a);
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(a.queued);
}

TEST(ReadyQueues, PrioritiesAboveTheTopShareTheTopLevel) {
    Node top{.priority = 15}, over{.priority = 200};
    ReadyQueues<Node> q;
    q.push(top);
    q.push(over);
    EXPECT_EQ(q.pop(), &top);
    EXPECT_EQ(q.pop(), &over);
}

TEST(Budget, SpendsWithinAPeriodAndRefillsAtTheNext) {
    Budget b{.budget = 30, .period = 100};
    EXPECT_TRUE(b.limited());
    EXPECT_EQ(b.remaining(0), 30u);
    b.charge(10, 10);
    EXPECT_EQ(b.remaining(10), 20u);
    b.charge(50, 25);
    EXPECT_EQ(b.remaining(50), 0u); // overspent by 5: still nothing left
    EXPECT_EQ(b.next_period(50), 100u);
    EXPECT_EQ(b.remaining(100), 30u); // a new period starts full
    b.charge(230, 30);
    EXPECT_EQ(b.remaining(299), 0u);
    EXPECT_EQ(b.remaining(300), 30u);
}

TEST(Budget, ZeroMeansUnlimited) {
    Budget b;
    EXPECT_FALSE(b.limited());
}

TEST(TimerList, EarliestFirstAndReinsertMoves) {
    Node a{.wake_at = 50}, b{.wake_at = 20}, c{.wake_at = 80};
    TimerList<Node> t;
    EXPECT_EQ(t.earliest(), ~0ull);
    t.insert(a);
    t.insert(b);
    t.insert(c);
    EXPECT_EQ(t.earliest(), 20u);
    b.wake_at = 90; // blocked again with a later timer
    t.insert(b);
    EXPECT_EQ(t.earliest(), 50u);
    EXPECT_EQ(t.pop_due(49), nullptr);
    EXPECT_EQ(t.pop_due(80), &a);
    EXPECT_EQ(t.pop_due(80), &c);
    EXPECT_EQ(t.pop_due(80), nullptr);
    t.remove(b);
    EXPECT_FALSE(b.on_timer_list);
    EXPECT_EQ(t.earliest(), ~0ull);
}

} // namespace
