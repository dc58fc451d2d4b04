package io.outboxrelay.relay.config;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * One configuration property, declared once: its name, its documentation, its default, whether
 * it must be given, whether it is a secret (never printed), and what makes a value valid.
 */
public final class Setting {

    private final String name;
    private final String doc;
    private final String defaultValue;
    private final boolean required;
    private final boolean secret;
    private final Predicate<String> validator;
    private final String expectation;

    private Setting(String name, String doc, String defaultValue, boolean required, boolean secret,
                    Predicate<String> validator, String expectation) {
        this.name = name;
        this.doc = doc;
        this.defaultValue = defaultValue;
        this.required = required;
        this.secret = secret;
        this.validator = validator;
        this.expectation = expectation;
    }

    static Setting required(String name, String doc) {
        return new Setting(name, doc, null, true, false, v -> !v.isBlank(), "a non-empty value");
    }

    static Setting optional(String name, String defaultValue, String doc) {
        return new Setting(name, doc, defaultValue, false, false, v -> true, "any value");
    }

    Setting secret() {
        return new Setting(name, doc, defaultValue, required, true, validator, expectation);
    }

    Setting validatedBy(Predicate<String> check, String expectation) {
        return new Setting(name, doc, defaultValue, required, secret, check, expectation);
    }

    /** One of {@code values}, exactly as written. */
    Setting oneOf(String... values) {
        java.util.List<String> allowed = java.util.List.of(values);
        String text = allowed.size() == 2 ? values[0] + " or " + values[1]
                : String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + values[values.length - 1];
        return validatedBy(allowed::contains, text);
    }

    Setting positiveInt() {
        return validatedBy(Setting::isPositiveInt, "a positive integer");
    }

    /** -1 (meaning "the broker's default" or "no limit") or a positive number. */
    Setting minusOneOrPositive() {
        return validatedBy(v -> v.trim().matches("-1|[1-9][0-9]*"), "-1 or a positive integer");
    }

    Setting intAtLeast(int min) {
        return validatedBy(v -> isInt(v) && Integer.parseInt(v.trim()) >= min, "an integer >= " + min);
    }

    public String name() {
        return name;
    }

    public String doc() {
        return doc;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public boolean isRequired() {
        return required;
    }

    public boolean isSecret() {
        return secret;
    }

    /** The environment variable that overrides this setting: {@code database.host} is {@code RELAY_DATABASE_HOST}. */
    public String environmentVariable() {
        return "RELAY_" + name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** @return null if the value is acceptable, else why not */
    String problemWith(String value) {
        if (value == null || value.isBlank()) {
            return required ? "is required (" + doc + "); set it in the file or as " + environmentVariable() : null;
        }
        return validator.test(value) ? null : "must be " + expectation + ", got '" + (secret ? "****" : value) + "'";
    }

    private static boolean isPositiveInt(String v) {
        return isInt(v) && Integer.parseInt(v.trim()) > 0;
    }

    private static boolean isInt(String v) {
        try {
            Integer.parseInt(v.trim());
            return true;
        }
        catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return Objects.requireNonNull(name);
    }
}
