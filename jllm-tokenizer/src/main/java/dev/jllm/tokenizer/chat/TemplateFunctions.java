package dev.jllm.tokenizer.chat;

import com.hubspot.jinjava.objects.collections.PyList;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/** The global functions transformers gives chat templates, registered with jinjava as static methods. */
public final class TemplateFunctions {
    /** The clock {@code strftime_now} reads; a render sets it for its thread (tests pin a date). */
    static final ThreadLocal<Supplier<ZonedDateTime>> CLOCK = ThreadLocal.withInitial(() -> ZonedDateTime::now);

    private TemplateFunctions() {
    }

    /** Thrown by {@code raise_exception}; jinjava wraps it, and ChatTemplate digs it out. */
    static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message, null, false, false);
        }
    }

    public static Object raiseException(Object message) {
        throw new Raised(message == null ? "None" : TemplateValues.pythonStr(message));
    }

    public static String strftimeNow(String format) {
        return strftime(CLOCK.get().get(), format);
    }

    /** Python's slice {@code seq[start:stop:step]} over a list or string (the target of TemplateRewriter). */
    public static Object pySlice(Object seq, Object start, Object stop, Object step) {
        if (seq == null) throw new TemplateException("cannot slice None (an undefined value?)", false);
        long st = step == null ? 1 : toLong(step, "slice step");
        if (st == 0) throw new TemplateException("slice step cannot be zero", false);
        int len;
        List<?> list = null;
        String str = null;
        if (seq instanceof String s) {
            str = s;
            len = s.length();
        } else if (seq instanceof List<?> l) {
            list = l;
            len = l.size();
        } else if (seq instanceof Iterable<?> it) {
            List<Object> copy = new ArrayList<>();
            it.forEach(copy::add);
            list = copy;
            len = copy.size();
        } else {
            throw new TemplateException("cannot slice a " + PythonMethods.typeName(seq), false);
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = bound(start, len, 0, 0, len);
            hi = bound(stop, len, len, 0, len);
        } else {
            lo = bound(start, len, len - 1, -1, len - 1);
            hi = bound(stop, len, -1, -1, len - 1);
        }
        if (str != null) {
            StringBuilder sb = new StringBuilder();
            for (long i = lo; st > 0 ? i < hi : i > hi; i += st) sb.append(str.charAt((int) i));
            return sb.toString();
        }
        List<Object> out = new ArrayList<>();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) out.add(list.get((int) i));
        return new PyList(out);
    }

    /** CPython's PySlice_AdjustIndices for one end: negative counts from the end, then clamp to [lowClamp, highClamp]. */
    private static long bound(Object v, int len, long dflt, long lowClamp, long highClamp) {
        if (v == null) return dflt;
        long x = toLong(v, "slice index");
        if (x < 0) x += len;
        return Math.max(lowClamp, Math.min(highClamp, x));
    }

    private static long toLong(Object v, String what) {
        if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) return n.longValue();
        throw new TemplateException(what + " must be an integer or None, found " + PythonMethods.typeName(v), false);
    }

    /** C strftime for the directives chat templates use (Llama 3.x writes "%d %b %Y"), in the C locale. */
    static String strftime(ZonedDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
                case 'e' -> sb.append(String.format("%2d", t.getDayOfMonth()));
                case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'H' -> sb.append(String.format("%02d", t.getHour()));
                case 'I' -> sb.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> sb.append(String.format("%02d", t.getMinute()));
                case 'S' -> sb.append(String.format("%02d", t.getSecond()));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case 'w' -> sb.append(t.getDayOfWeek().getValue() % 7);
                case 'u' -> sb.append(t.getDayOfWeek().getValue());
                case 'F' -> sb.append(String.format("%d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth()));
                case 'T' -> sb.append(String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
                case '%' -> sb.append('%');
                default -> throw new TemplateException("strftime_now: unsupported directive %" + d, false);
            }
        }
        return sb.toString();
    }
}
