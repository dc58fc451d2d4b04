package io.outboxrelay.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Latency against load as an SVG: one colour per contender, p99 solid and p50 dashed, load (events/s) on a
 * linear x axis, milliseconds on a logarithmic y axis (latencies of saturated contenders run to seconds).
 */
final class LatencyPlot {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    private static final int WIDTH = 760;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private record Series(String name, List<PacedLoad.Result> loads) {
    }

    private LatencyPlot() {
    }

    static String svg(ComparisonResult r) {
        List<Series> series = new ArrayList<>();
        r.contenders().stream().filter(c -> c.error() == null && !c.loads().isEmpty())
                .forEach(c -> series.add(new Series(c.name(), c.loads())));
        if (!r.rawProducer().loads().isEmpty()) {
            series.add(new Series(r.rawProducer().name(), r.rawProducer().loads()));
        }
        double maxRate = 1;
        double minMs = 1;
        double maxMs = 10;
        for (Series s : series) {
            for (PacedLoad.Result l : s.loads()) {
                maxRate = Math.max(maxRate, l.targetRate());
                minMs = Math.min(minMs, Math.max(0.1, l.p50()));
                maxMs = Math.max(maxMs, l.p99());
            }
        }
        double logMin = Math.floor(Math.log10(minMs));
        double logMax = Math.ceil(Math.log10(maxMs));
        double xMax = niceCeiling(maxRate);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">Commit-to-consume latency "
                + "against load (%,d B payload; p99 solid, p50 dashed)</text>%n", LEFT, r.parameters().payloadBytes()));
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        for (int decade = (int) logMin; decade <= (int) logMax; decade++) {
            double y = TOP + plotH - (decade - logMin) / (logMax - logMin) * plotH;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT, y, LEFT + plotW, y));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s ms</text>%n",
                    LEFT - 6, y + 4, label(Math.pow(10, decade))));
        }
        for (int i = 0; i <= 5; i++) {
            double rate = xMax * i / 5;
            double x = LEFT + plotW * i / 5.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    x, TOP, x, TOP + plotH));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%,.0f</text>%n",
                    x, TOP + plotH + 18, rate));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">load, events/s</text>%n",
                LEFT + plotW / 2, HEIGHT - 18));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#888\"/>%n", LEFT, TOP, plotW, plotH));
        for (int s = 0; s < series.size(); s++) {
            String colour = COLOURS[s % COLOURS.length];
            Series one = series.get(s);
            for (boolean p99 : new boolean[] {true, false}) {
                StringBuilder points = new StringBuilder();
                for (PacedLoad.Result l : one.loads()) {
                    double ms = Math.max(Math.pow(10, logMin), p99 ? l.p99() : l.p50());
                    double x = LEFT + l.targetRate() / xMax * plotW;
                    double y = TOP + plotH - (Math.log10(ms) - logMin) / (logMax - logMin) * plotH;
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                    if (p99) {
                        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                                x, y, colour));
                    }
                }
                svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                        + "stroke-width=\"2\"%s/>%n", points.toString().trim(), colour,
                        p99 ? "" : " stroke-dasharray=\"5,4\""));
            }
            int ly = TOP + 14 + s * 20;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2\"/>%n", LEFT + plotW + 14, ly - 4, LEFT + plotW + 38, ly - 4, colour));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + plotW + 44, ly,
                    escape(one.name())));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String label(double ms) {
        return ms >= 1 ? String.format(Locale.ROOT, "%,.0f", ms) : String.format(Locale.ROOT, "%.1f", ms);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
