package dev.jllm.tokenizer.chat;

import com.hubspot.jinjava.objects.collections.PyList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The Python {@code str} and {@code dict} methods that Hugging Face chat templates call
 * ({@code message.content.strip()}, {@code tool.items()}, ...), with Python's semantics: jinjava
 * would otherwise resolve them to Java methods, which do not exist or behave differently
 * ({@code String.split} takes a regex and drops trailing empty strings).
 */
final class PythonMethods {
    /** Returned when the base/method pair is not a Python method handled here. */
    static final Object NOT_HANDLED = new Object();

    private PythonMethods() {
    }

    static Object call(Object base, String method, Object[] args) {
        if (base instanceof String s) return stringMethod(s, method, args == null ? new Object[0] : args);
        if (base instanceof Map<?, ?> m) return dictMethod(m, method, args == null ? new Object[0] : args);
        return NOT_HANDLED;
    }

    private static Object dictMethod(Map<?, ?> m, String method, Object[] a) {
        return switch (method) {
            case "items" -> {
                arity(method, a, 0, 0);
                List<Object> out = new ArrayList<>();
                // (key, value) pairs as 2-item lists: indexable like Python tuples, unpacked by jinjava's for.
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new PyList(new ArrayList<>(java.util.Arrays.asList(e.getKey(), e.getValue()))));
                yield new PyList(out);
            }
            case "keys" -> {
                arity(method, a, 0, 0);
                yield new PyList(new ArrayList<>(m.keySet()));
            }
            case "values" -> {
                arity(method, a, 0, 0);
                yield new PyList(new ArrayList<>(m.values()));
            }
            case "get" -> {
                arity(method, a, 1, 2);
                yield m.containsKey(a[0]) ? m.get(a[0]) : (a.length > 1 ? a[1] : null);
            }
            default -> NOT_HANDLED;
        };
    }

    private static Object stringMethod(String s, String method, Object[] a) {
        return switch (method) {
            case "strip" -> strip(s, charsArg(method, a), true, true);
            case "lstrip" -> strip(s, charsArg(method, a), true, false);
            case "rstrip" -> strip(s, charsArg(method, a), false, true);
            case "startswith" -> {
                arity(method, a, 1, 1);
                yield affix(s, a[0], method, true);
            }
            case "endswith" -> {
                arity(method, a, 1, 1);
                yield affix(s, a[0], method, false);
            }
            case "split" -> {
                arity(method, a, 0, 2);
                String sep = a.length > 0 && a[0] != null ? str(method, a[0]) : null;
                int max = a.length > 1 ? intArg(method, a[1]) : -1;
                yield new PyList(new ArrayList<>(split(s, sep, max)));
            }
            case "splitlines" -> {
                arity(method, a, 0, 0);
                yield new PyList(new ArrayList<>(splitlines(s)));
            }
            case "upper" -> {
                arity(method, a, 0, 0);
                yield s.toUpperCase(java.util.Locale.ROOT);
            }
            case "lower" -> {
                arity(method, a, 0, 0);
                yield s.toLowerCase(java.util.Locale.ROOT);
            }
            case "title" -> {
                arity(method, a, 0, 0);
                yield title(s);
            }
            case "capitalize" -> {
                arity(method, a, 0, 0);
                yield s.isEmpty() ? s : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                        + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            }
            case "replace" -> {
                arity(method, a, 2, 3);
                yield replace(s, str(method, a[0]), str(method, a[1]), a.length > 2 ? intArg(method, a[2]) : -1);
            }
            case "find" -> {
                arity(method, a, 1, 1);
                yield (long) s.indexOf(str(method, a[0]));
            }
            case "rfind" -> {
                arity(method, a, 1, 1);
                yield (long) s.lastIndexOf(str(method, a[0]));
            }
            case "count" -> {
                arity(method, a, 1, 1);
                yield (long) count(s, str(method, a[0]));
            }
            case "join" -> {
                arity(method, a, 1, 1);
                yield join(s, a[0]);
            }
            case "format" -> format(s, a);
            case "isdigit" -> test(method, a, !s.isEmpty() && s.chars().allMatch(Character::isDigit));
            case "isalpha" -> test(method, a, !s.isEmpty() && s.chars().allMatch(Character::isLetter));
            case "isalnum" -> test(method, a, !s.isEmpty() && s.chars().allMatch(Character::isLetterOrDigit));
            case "isspace" -> test(method, a, !s.isEmpty() && s.chars().allMatch(PythonMethods::isSpace));
            case "isupper" -> test(method, a, s.chars().anyMatch(Character::isLetter)
                    && s.equals(s.toUpperCase(java.util.Locale.ROOT)));
            case "islower" -> test(method, a, s.chars().anyMatch(Character::isLetter)
                    && s.equals(s.toLowerCase(java.util.Locale.ROOT)));
            default -> NOT_HANDLED;
        };
    }

    /** Python's str.isspace for one char (Unicode whitespace, including the separators Java's isWhitespace leaves out). */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int b = 0;
        int e = s.length();
        if (left) while (b < e && stripped(s.charAt(b), chars)) b++;
        if (right) while (e > b && stripped(s.charAt(e - 1), chars)) e--;
        return s.substring(b, e);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    static List<String> split(String s, String sep, int max) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (max >= 0 && out.size() == max) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new TemplateException("split(): empty separator", false);
        int from = 0;
        while (max < 0 || out.size() < max) {
            int at = s.indexOf(sep, from);
            if (at < 0) break;
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** str.splitlines(): \n, \r and \r\n end lines; no empty string after a final line end. */
    static List<String> splitlines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(s.substring(start, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean cased = Character.isLetter(cp);
            sb.appendCodePoint(cased ? (prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp)) : cp);
            prevCased = cased;
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    static String replace(String s, String old, String repl, int count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder sb = new StringBuilder(repl);
                for (int i = 0; i < s.length(); i++) sb.append(s.charAt(i)).append(repl);
                return sb.toString();
            }
            return s.replace(old, repl);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (int n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0) break;
            sb.append(s, from, at).append(repl);
            from = at + old.length();
            if (old.isEmpty()) {
                if (from >= s.length()) break;
                sb.append(s.charAt(from));
                from++;
            }
        }
        return sb.append(s.substring(Math.min(from, s.length()))).toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1;
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }

    private static String join(String sep, Object items) {
        if (!(items instanceof Iterable<?> it)) {
            throw new TemplateException("join(): can only join an iterable, found " + typeName(items), false);
        }
        StringBuilder sb = new StringBuilder();
        Iterator<?> i = it.iterator();
        while (i.hasNext()) {
            Object x = i.next();
            if (!(x instanceof String)) {
                throw new TemplateException("join(): sequence item: expected str instance, " + typeName(x) + " found", false);
            }
            sb.append(x);
            if (i.hasNext()) sb.append(sep);
        }
        return sb.toString();
    }

    /** str.format with positional fields: "{}", "{0}", and "{{"/"}}" escapes. */
    private static String format(String s, Object[] args) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                sb.append('}');
                i++;
            } else if (c == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) throw new TemplateException("format(): single '{' encountered in format string", false);
                String field = s.substring(i + 1, end);
                int idx = field.isEmpty() ? auto++ : Integer.parseInt(field);
                if (idx >= args.length) {
                    throw new TemplateException("format(): replacement index " + idx + " out of range for positional args tuple", false);
                }
                sb.append(TemplateValues.pythonStr(args[idx]));
                i = end;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Boolean affix(String s, Object arg, String method, boolean prefix) {
        if (arg instanceof List<?> options) {
            for (Object o : options) {
                String p = str(method, o);
                if (prefix ? s.startsWith(p) : s.endsWith(p)) return true;
            }
            return false;
        }
        String p = str(method, arg);
        return prefix ? s.startsWith(p) : s.endsWith(p);
    }

    private static Object test(String method, Object[] a, boolean result) {
        arity(method, a, 0, 0);
        return result;
    }

    private static String charsArg(String method, Object[] a) {
        arity(method, a, 0, 1);
        return a.length == 0 || a[0] == null ? null : str(method, a[0]);
    }

    private static String str(String method, Object o) {
        if (o instanceof String s) return s;
        throw new TemplateException(method + "(): argument must be str, not " + typeName(o), false);
    }

    private static int intArg(String method, Object o) {
        if (o instanceof Number n && !(o instanceof Double) && !(o instanceof Float)) return n.intValue();
        throw new TemplateException(method + "(): argument must be int, not " + typeName(o), false);
    }

    private static void arity(String method, Object[] a, int min, int max) {
        if (a.length < min || a.length > max) {
            throw new TemplateException(method + "() takes " + (min == max ? String.valueOf(min) : min + " to " + max)
                    + " argument(s), " + a.length + " given", false);
        }
    }

    static String typeName(Object o) {
        if (o == null) return "NoneType";
        if (o instanceof String) return "str";
        if (o instanceof Boolean) return "bool";
        if (o instanceof Double || o instanceof Float) return "float";
        if (o instanceof Number) return "int";
        if (o instanceof Map) return "dict";
        if (o instanceof List) return "list";
        return o.getClass().getSimpleName();
    }
}
