package org.hitbank.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of end-to-end tests that want a fresh {@link TestHitbank} per test method; closing it
 * asserts the ledger's invariants after every test.
 */
public abstract class EndToEndTest {
    protected TestHitbank hitbank;

    @BeforeEach
    void startHitbank() {
        hitbank = TestHitbank.start();
    }

    @AfterEach
    void stopHitbank() {
        hitbank.close();
    }
}
