package org.hitbank.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.hitbank.base.Limits;
import org.hitbank.ledger.FeeSchedule;

/**
 * Everything a running Hitbank needs, validated when built.
 *
 * @param dataDir where the SQLite file lives
 * @param bindAddress the address to listen on
 * @param port the TCP port; 0 picks a free one
 * @param regions the SigV4 regions accepted in credential scopes
 * @param clockSkewMax the largest accepted difference between a request's X-Amz-Date and now
 * @param sweepInterval how often time-driven changes (expiry, auto-approval) are applied
 */
public record ServerConfig(Path dataDir, String bindAddress, int port, Set<String> regions,
                           Duration clockSkewMax, FeeSchedule fees, Limits limits,
                           Duration sweepInterval) {
    /**
     * @throws IllegalArgumentException with a message naming the setting at fault
     */
    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (regions.isEmpty() || regions.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("region must name at least one region");
        }
        if (limits.requestBytesMax() < 1024) {
            throw new IllegalArgumentException("request-bytes-max must be at least 1024, was "
                    + limits.requestBytesMax());
        }
        if (limits.bonusCentsMax() < 0) {
            throw new IllegalArgumentException("bonus-cents-max must be >= 0 (0: no maximum)");
        }
        if (limits.bonusTokenRetention() != null
                && limits.bonusTokenRetention().compareTo(Limits.TOKEN_RETENTION_MIN) < 0) {
            throw new IllegalArgumentException("bonus-token-retention-hours must be at least 24"
                    + " (MTurk keeps tokens 24 hours), or 0 to keep them forever");
        }
        if (limits.hitTokenRetention().compareTo(Limits.TOKEN_RETENTION_MIN) < 0) {
            throw new IllegalArgumentException("hit-token-retention-hours must be at least 24");
        }
        if (sweepInterval.toMillis() < 10 || sweepInterval.toMillis() > 60_000) {
            throw new IllegalArgumentException("sweep-interval-millis must be 10..60000, was "
                    + sweepInterval.toMillis());
        }
    }
}
