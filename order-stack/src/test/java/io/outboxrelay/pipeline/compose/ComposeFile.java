package io.outboxrelay.pipeline.compose;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** compose.yaml as the tests read it: services with their image, command, environment, volumes and ports. */
public record ComposeFile(Path directory, Map<String, Service> services) {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z_]+)(:-([^}]*))?}");

    public record Service(String name, String image, List<String> command, Map<String, String> environment,
                   Map<String, String> volumes, Map<Integer, Integer> ports, List<String> dependsOn, String restart) {

        /** The value of an option in {@link #command()}, e.g. {@code --config}. */
        public Optional<String> option(String name) {
            int i = command.indexOf(name);
            return i < 0 || i + 1 >= command.size() ? Optional.empty() : Optional.of(command.get(i + 1));
        }
    }

    public static ComposeFile read(Path file) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        Map<String, Service> services = new LinkedHashMap<>();
        root.get("services").fields().forEachRemaining(e -> services.put(e.getKey(), service(e.getKey(), e.getValue())));
        return new ComposeFile(file.toAbsolutePath().getParent(), services);
    }

    private static Service service(String name, JsonNode node) {
        List<String> command = new ArrayList<>();
        if (node.has("command")) {
            node.get("command").forEach(c -> command.add(c.asText()));
        }
        Map<String, String> environment = new LinkedHashMap<>();
        if (node.has("environment")) {
            node.get("environment").fields().forEachRemaining(e -> environment.put(e.getKey(), resolve(e.getValue().asText())));
        }
        Map<String, String> volumes = new LinkedHashMap<>();
        if (node.has("volumes")) {
            node.get("volumes").forEach(v -> {
                String[] parts = v.asText().split(":");
                volumes.put(parts[1], parts[0]); // container path -> host path
            });
        }
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        if (node.has("ports")) {
            node.get("ports").forEach(p -> {
                String[] parts = p.asText().split(":");
                ports.put(Integer.parseInt(parts[1]), Integer.parseInt(parts[0])); // container -> host
            });
        }
        List<String> dependsOn = new ArrayList<>();
        if (node.has("depends_on")) {
            node.get("depends_on").fieldNames().forEachRemaining(dependsOn::add);
        }
        return new Service(name, node.get("image").asText(), command, environment, volumes, ports, dependsOn,
                node.has("restart") ? node.get("restart").asText() : "no");
    }

    /** ${VAR:-default} as compose resolves it with VAR unset. */
    static String resolve(String value) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(3) == null ? "" : m.group(3)));
        }
        m.appendTail(out);
        return out.toString();
    }

    public List<Service> withImage(String image) {
        return services.values().stream().filter(s -> s.image().equals(image)).toList();
    }
}
