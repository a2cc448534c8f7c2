package org.hitbank.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The wall clock plus an offset that tests move forward; replaces sleeping. Thread-safe. */
public final class MutableClock extends Clock {
    private final AtomicLong offsetMillis = new AtomicLong();

    /** Moves this clock forward by {@code duration}. */
    public void advance(Duration duration) {
        offsetMillis.addAndGet(duration.toMillis());
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (zone.equals(ZoneOffset.UTC)) {
            return this;
        }
        throw new IllegalArgumentException("MutableClock is UTC only, not " + zone);
    }
}
