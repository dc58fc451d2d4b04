package io.outboxrelay.relay.routing;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The router's one JSON mapper, and whether a payload is JSON. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /** @return why {@code text} is not one JSON value, or null if it is */
    static String problem(String text) {
        try {
            MAPPER.readTree(text);
            return null;
        }
        catch (JsonProcessingException e) {
            return describe(e);
        }
    }

    /** As {@link #problem(String)}, streaming through the bytes without building a tree (the message path is hot). */
    static String problem(byte[] json) {
        try (JsonParser parser = MAPPER.createParser(json)) {
            if (parser.nextToken() == null) {
                return "payload is not valid JSON (no content at character 0)";
            }
            parser.skipChildren();
            JsonToken trailing = parser.nextToken();
            return trailing == null ? null
                    : "payload is not valid JSON (trailing token " + trailing + " at character "
                            + parser.currentTokenLocation().getCharOffset() + ")";
        }
        catch (JsonProcessingException e) {
            return describe(e);
        }
        catch (IOException e) {
            return "payload is not valid JSON (" + e.getMessage() + ")";
        }
    }

    private static String describe(JsonProcessingException e) {
        // Jackson's message goes on about its own configuration after these markers
        String message = e.getOriginalMessage().replace('\n', ' ');
        for (String tail : List.of(" (start marker", " (bound as", ": not allowed")) {
            int at = message.indexOf(tail);
            message = at < 0 ? message : message.substring(0, at);
        }
        return "payload is not valid JSON (" + message + " at character "
                + (e.getLocation() == null ? "?" : e.getLocation().getCharOffset()) + ")";
    }
}
