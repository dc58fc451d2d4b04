package io.outboxrelay.pipeline.ops;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found without a full parser: string literals, label matchers,
 * ranges and the label lists of by/without/on/ignoring/group_left/group_right are taken out first; what is left
 * that is followed by an opening parenthesis is a function, the rest are keywords, numbers or metric names.
 * Grafana's {@code label_values(metric, label)} counts as its metric.
 */
final class PromQL {

    private static final Set<String> KEYWORDS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio", "by", "without", "on", "ignoring",
            "group_left", "group_right", "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([^,)]*?)\\s*(,[^)]*)?\\)");
    private static final Pattern NAME = Pattern.compile("(?<![\\w.:$])([a-zA-Z_:][\\w:]*)(\\s*\\()?");

    private PromQL() {
    }

    static Set<String> metricNames(String expression) {
        String s = expression.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("'(\\\\.|[^'\\\\])*'", "''")
                .replaceAll("`[^`]*`", "``")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^\\]]*]", " ");
        s = LABEL_LIST.matcher(s).replaceAll(" $1 ");
        s = LABEL_VALUES.matcher(s).replaceAll(" $1 ");
        s = s.replaceAll("\\$\\{?\\w+}?", " "); // Grafana variables
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(s);
        while (m.find()) {
            String name = m.group(1);
            if (m.group(2) == null && !KEYWORDS.contains(name.toLowerCase())) {
                names.add(name);
            }
        }
        return names;
    }
}
