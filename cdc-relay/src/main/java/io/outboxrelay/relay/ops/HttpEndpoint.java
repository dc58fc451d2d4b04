package io.outboxrelay.relay.ops;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import io.outboxrelay.console.ConsolePage;
import io.outboxrelay.relay.Relay;

/**
 * The relay's HTTP endpoint (JDK server, no framework): {@code /metrics}, {@code /health/live},
 * {@code /health/ready}, {@code /status}, and the {@link Console} page at {@code /} with the JSON it polls,
 * {@code /console/data}. Two daemon threads serve it; every answer is computed from memory, never from the
 * database or Kafka.
 */
final class HttpEndpoint implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads;

    HttpEndpoint(InetSocketAddress address, Supplier<String> metrics, Supplier<Relay.State> state,
                 Supplier<Map<String, Object>> status, Supplier<Map<String, Object>> console) throws IOException {
        server = HttpServer.create(address, 16);
        threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "relay-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        route("/metrics", exchange -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
        // live: the process can still do its work; a FAILED relay needs a restart
        route("/health/live", exchange -> health(exchange, state.get(), state.get() != Relay.State.FAILED));
        // ready: streaming from the slot to Kafka
        route("/health/ready", exchange -> health(exchange, state.get(), state.get() == Relay.State.RUNNING));
        route("/status", exchange -> send(exchange, 200, "application/json",
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status.get()) + "\n"));
        route("/console/data", exchange -> {
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            send(exchange, 200, "application/json", JSON.writeValueAsString(console.get()));
        });
        ConsolePage.of(Console.class).forEach((path, file) -> route(path, exchange -> {
            // the page's own files only: no inline script, nothing from elsewhere
            exchange.getResponseHeaders().set("Content-Security-Policy", ConsolePage.SECURITY_POLICY);
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            send(exchange, 200, file.contentType(), file.body());
        }));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void route(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            try (exchange) {
                if (!exchange.getRequestURI().getPath().equals(path)) {
                    send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
                }
                else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                    send(exchange, 405, "text/plain; charset=utf-8", "only GET\n");
                }
                else {
                    handler.handle(exchange);
                }
            }
        });
    }

    private static void health(HttpExchange exchange, Relay.State state, boolean ok) throws IOException {
        send(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", state.name() + "\n");
    }

    private static void send(HttpExchange exchange, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
