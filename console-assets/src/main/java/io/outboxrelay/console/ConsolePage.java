package io.outboxrelay.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files of a console page, as an HTTP endpoint serves them: the page's own {@code console.html} (at {@code /}) and
 * {@code console.js}, and the {@code common.js} (charts, tables, polling) and {@code common.css} every page shares. All
 * come from jars, nothing from elsewhere (no CDN: the pages work offline), and the pages carry no inline script, so
 * they can be served with a strict Content-Security-Policy ({@link #SECURITY_POLICY}).
 */
public final class ConsolePage {

    /** One file: its content type and text. */
    public record File(String contentType, String body) {
    }

    /** For every file of a page; a page that frames other pages adds {@code frame-src}. */
    public static final String SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; base-uri 'none';"
            + " form-action 'none'";

    private ConsolePage() {
    }

    /**
     * The page whose own files are the resources {@code console.html} and {@code console.js} beside {@code owner}'s
     * class, in its package's {@code console/} directory, by the path each is served at.
     *
     * @throws IllegalStateException when a file is missing from the jar
     */
    public static Map<String, File> of(Class<?> owner) {
        Map<String, File> files = new LinkedHashMap<>();
        files.put("/", new File("text/html; charset=utf-8", read(owner, "console/console.html")));
        files.put("/console.js", new File("text/javascript; charset=utf-8", read(owner, "console/console.js")));
        files.put("/common.js", new File("text/javascript; charset=utf-8", read(ConsolePage.class, "common.js")));
        files.put("/common.css", new File("text/css; charset=utf-8", read(ConsolePage.class, "common.css")));
        return files;
    }

    private static String read(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing beside " + owner.getName() + " in its jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
