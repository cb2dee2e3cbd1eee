package io.tributary.spring.test;

/** Runs {@link SharedBrokerTestBase}'s test as one of two classes sharing a broker and a context. */
class SharedBrokerSecondTest extends SharedBrokerTestBase {
}
