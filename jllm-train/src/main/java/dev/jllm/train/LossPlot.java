package dev.jllm.train;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Draws train and validation loss against the step into a PNG (XChart, headless). */
public final class LossPlot {
    public static final String FILE = "loss.png";

    private LossPlot() {}

    public static void write(Path png, String title, List<MetricsLog.Point> points) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Double> ts = new ArrayList<>(), tl = new ArrayList<>(), vs = new ArrayList<>(), vl = new ArrayList<>();
        for (MetricsLog.Point p : points) {
            if (!Double.isFinite(p.loss())) continue;
            if (p.kind().equals("val")) {
                vs.add((double) p.step());
                vl.add(p.loss());
            } else {
                ts.add((double) p.step());
                tl.add(p.loss());
            }
        }
        if (ts.isEmpty() && vs.isEmpty()) return;
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle("step").yAxisTitle("loss (nats/token)").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        if (!ts.isEmpty()) {
            XYSeries s = chart.addSeries("train", ts, tl);
            s.setMarker(SeriesMarkers.NONE);
        }
        if (!vs.isEmpty()) {
            XYSeries s = chart.addSeries("validation", vs, vl);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
        BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
