package org.hitbank.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transaction runner on a real SQLite file. */
class StoreTest {
    @TempDir
    Path dataDir;

    @Test
    void write_whileAnotherProcessHoldsTheWriteLock_waitsAndRunsOnce() throws Exception {
        try (Store store = Store.open(dataDir);
             Connection other = DriverManager.getConnection(
                     "jdbc:sqlite:" + dataDir.resolve("hitbank.db"))) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch locked = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().start(() -> {
                try (Statement statement = other.createStatement()) {
                    statement.execute("BEGIN IMMEDIATE");
                    locked.countDown();
                    Thread.sleep(1500);
                    statement.execute("COMMIT");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            locked.await();
            store.write(h -> {
                runs.incrementAndGet();
                return h.createUpdate("INSERT INTO worker (worker_id, name, secret_sha256,"
                        + " created_millis) VALUES ('A1', 'w', 'x', 0)").execute();
            });
            holder.join();
            assertThat(runs).hasValue(1);
            assertThat(workerCount(store)).isEqualTo(1);
        }
    }

    @Test
    void write_thatThrows_rollsBackEverything() {
        try (Store store = Store.open(dataDir)) {
            assertThatThrownBy(() -> store.write(h -> {
                h.createUpdate("INSERT INTO worker (worker_id, name, secret_sha256,"
                        + " created_millis) VALUES ('A1', 'w', 'x', 0)").execute();
                throw new IllegalStateException("refused");
            })).hasMessage("refused");
            assertThat(workerCount(store)).isZero();
            store.write(h -> h.createUpdate("INSERT INTO worker (worker_id, name,"
                    + " secret_sha256, created_millis) VALUES ('A2', 'w', 'x', 0)").execute());
            List<String> workers = store.read(h -> h.createQuery("SELECT worker_id FROM worker")
                    .mapTo(String.class).list());
            assertThat(workers).containsExactly("A2");
        }
    }

    private static int workerCount(Store store) {
        return store.read(h -> h.createQuery("SELECT COUNT(*) FROM worker")
                .mapTo(Integer.class).one());
    }
}
