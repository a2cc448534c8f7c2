package org.hitbank.cli;

import io.javalin.Javalin;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hitbank.base.HitbankException;
import org.hitbank.market.Market;
import org.hitbank.protocol.RequesterApi;
import org.hitbank.protocol.SigV4Verifier;
import org.hitbank.store.Store;
import org.hitbank.worker.WorkerApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Hitbank: the store, the market, the Requester API at {@code POST /}, the worker API,
 * and the sweeper that applies time-driven changes. The wiring lives here, apart from
 * {@code main}, so tests boot the same server. Close it to stop.
 */
public final class HitbankServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HitbankServer.class);

    private final Store store;
    private final Market market;
    private final Javalin app;
    private final ScheduledExecutorService sweeper;

    private HitbankServer(Store store, Market market, Javalin app,
                          ScheduledExecutorService sweeper) {
        this.store = store;
        this.market = market;
        this.app = app;
        this.sweeper = sweeper;
    }

    /**
     * Opens the store and starts serving.
     *
     * @param marketClock the market's time (tests move it); SigV4 always checks the wall clock
     * @throws HitbankException when the store cannot be opened or the port cannot be bound
     */
    public static HitbankServer start(ServerConfig config, Clock marketClock) {
        Store store = Store.open(config.dataDir());
        Market market = new Market(store, marketClock, config.fees(), config.limits());
        SigV4Verifier verifier = new SigV4Verifier(config.regions(), "mturk-requester",
                Clock.systemUTC(), config.clockSkewMax());
        RequesterApi requesterApi = new RequesterApi(market, verifier, Clock.systemUTC(),
                config.limits().requestBytesMax());
        Javalin app = Javalin.create(javalin -> {
            javalin.showJavalinBanner = false;
            javalin.http.maxRequestSize = 2L * config.limits().requestBytesMax();
        });
        app.post("/", requesterApi::handle);
        new WorkerApi(market, config.limits().requestBytesMax()).register(app);
        try {
            app.start(config.bindAddress(), config.port());
        } catch (RuntimeException e) {
            store.close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new HitbankException("cannot listen on " + config.bindAddress() + ":"
                    + config.port() + ": " + cause.getMessage(), e);
        }

        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "hitbank-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        long intervalMillis = config.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                market.sweep();
            } catch (RuntimeException e) {
                LOG.error("sweep failed; will try again", e);
            }
        }, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        LOG.info("Hitbank listening on http://{}:{}/ with data in {}", config.bindAddress(),
                app.port(), config.dataDir().toAbsolutePath());
        return new HitbankServer(store, market, app, sweeper);
    }

    /** The port the server listens on. */
    public int port() {
        return app.port();
    }

    /** The market this server serves (tests use it to drive time and audit). */
    public Market market() {
        return market;
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        app.stop();
        store.close();
    }
}
