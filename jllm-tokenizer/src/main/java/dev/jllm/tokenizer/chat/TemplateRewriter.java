package dev.jllm.tokenizer.chat;

/**
 * Source-level fixes for two places where jinjava's expression grammar differs from Jinja's,
 * applied before parsing. Only text inside {@code {{ }}} and {@code {% %}} is touched, string
 * literals are skipped, and {@code {% raw %}} blocks are left alone.
 * <ul>
 * <li>Python slices {@code x[a:b]} and {@code x[a:b:step]} become {@code __py_slice(x, a, b, step)}:
 *     jinjava has no step ({@code messages[::-1]}) and its ranges differ from Python's at the edges.</li>
 * <li>Keyword-argument values are parenthesized, {@code f(k=a|length - 1)} to {@code f(k=(a|length - 1))}:
 *     jinjava's '=' binds tighter than arithmetic, Jinja's takes the whole expression.</li>
 * <li>{@code not x is defined} becomes {@code not (x is defined)}: in Jinja a test binds tighter than
 *     {@code not}; jinjava reads {@code (not x) is defined}, which is always true.</li>
 * </ul>
 * A trailing newline of the template is dropped, as Jinja does by default (keep_trailing_newline=False).
 */
final class TemplateRewriter {
    static final String FUNCTION = "__py_slice";

    private TemplateRewriter() {
    }

    /** A {@code {% ... %}} / {@code {{ ... }}} / {@code {# ... #}} tag or a run of text. */
    private record Piece(boolean tag, char kind, String text) {
    }

    static String rewrite(String source) {
        if (source.endsWith("\r\n")) source = source.substring(0, source.length() - 2);
        else if (source.endsWith("\n") || source.endsWith("\r")) source = source.substring(0, source.length() - 1);
        java.util.List<Piece> pieces = split(source);
        // Which for-tags have an {% else %} (Jinja's "loop ran zero times" branch)?
        java.util.Set<Integer> forsWithElse = new java.util.HashSet<>();
        java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>(); // {piece index, is-for}
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (!p.tag || p.kind != '%') continue;
            String name = tagName(p.text);
            if (BLOCKS.contains(name) && !(name.equals("set") && inner(p.text).contains("="))) {
                stack.push(new int[]{i, name.equals("for") ? 1 : 0});
            } else if (endsBlock(name) && !stack.isEmpty()) {
                stack.pop();
            } else if (name.equals("else") && !stack.isEmpty() && stack.peek()[1] == 1) {
                forsWithElse.add(stack.peek()[0]);
            }
        }
        StringBuilder out = new StringBuilder(source.length() + 256);
        java.util.ArrayDeque<String> forFlags = new java.util.ArrayDeque<>(); // per open block: else-flag name or ""
        int counter = 0;
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (!p.tag || p.kind == '#') {
                out.append(p.text);
                continue;
            }
            if (p.kind == '{') {
                out.append("{{").append(rewriteExpression(p.text.substring(2, p.text.length() - 2))).append("}}");
                continue;
            }
            String name = tagName(p.text);
            String open = opener(p.text);
            String close = closer(p.text);
            String body = inner(p.text);
            if (name.equals("macro") || name.equals("call")) {
                out.append(open).append(rewriteSlices(body)).append(close); // keep "name=default" as the tag wants it
                forFlags.push("");
            } else if (name.equals("for")) {
                counter++;
                String flag = forsWithElse.contains(i) ? "__for_else" + counter : null;
                if (flag != null) out.append(open).append(" set ").append(flag).append(" = namespace(ran=false) %}");
                out.append(rewriteFor(flag == null ? open : "{%", body, close, counter, flag));
                forFlags.push(flag == null ? "" : flag);
            } else if (name.equals("else") && !forFlags.isEmpty() && !forFlags.peek().isEmpty()) {
                out.append(open).append(" endfor %}{% if not ").append(forFlags.peek()).append(".ran ").append(close);
                forFlags.pop();
                forFlags.push("#else"); // the matching endfor now closes the if
            } else if (endsBlock(name)) {
                String f = forFlags.isEmpty() ? "" : forFlags.pop();
                out.append(f.equals("#else") ? open + " endif " + close : p.text);
            } else {
                if (BLOCKS.contains(name) && !(name.equals("set") && body.contains("="))) forFlags.push("");
                out.append(open).append(rewriteExpression(body)).append(close);
            }
        }
        return out.toString();
    }

    /**
     * The filters ({@code x|name}, {@code {% filter name %}}) and tests ({@code x is [not] name}) an
     * expression uses, each as "filter:name" or "test:name" with its 1-based line; jinjava ignores an
     * unknown one silently, so ChatTemplate checks them up front.
     */
    static java.util.List<String[]> filtersAndTests(String source) {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        int line = 1;
        for (Piece p : split(source)) {
            if (p.tag && p.kind != '#') {
                String body = p.kind == '{' ? p.text.substring(2, p.text.length() - 2) : inner(p.text);
                if (p.kind == '%' && tagName(p.text).equals("filter")) {
                    String rest = body.strip().substring(6).strip();
                    int e = 0;
                    while (e < rest.length() && isIdent(rest.charAt(e))) e++;
                    out.add(new String[]{"filter", rest.substring(0, e), String.valueOf(line)});
                }
                for (int i = 0; i < body.length(); i++) {
                    char c = body.charAt(i);
                    if (c == '\'' || c == '"') {
                        i = skipString(body, i);
                    } else if (c == '|' && (i + 1 >= body.length() || body.charAt(i + 1) != '|')) {
                        int a = skipSpaces(body, i + 1);
                        int e = a;
                        while (e < body.length() && isIdent(body.charAt(e))) e++;
                        if (e > a) out.add(new String[]{"filter", body.substring(a, e), String.valueOf(line)});
                    } else if (wordAt(body, "is", i) && (i == 0 || !isIdent(body.charAt(i - 1)))) {
                        int a = skipSpaces(body, i + 2);
                        if (wordAt(body, "not", a)) a = skipSpaces(body, a + 3);
                        int e = a;
                        while (e < body.length() && isIdent(body.charAt(e))) e++;
                        if (e > a) out.add(new String[]{"test", body.substring(a, e), String.valueOf(line)});
                    }
                }
            }
            line += (int) p.text.chars().filter(ch -> ch == '\n').count();
        }
        return out;
    }

    private static final java.util.Set<String> BLOCKS =
            java.util.Set.of("for", "if", "macro", "call", "filter", "set", "block", "raw", "generation", "autoescape", "with");

    /** An end tag of a block kind tracked here ("endfor", "endif", ...). */
    private static boolean endsBlock(String name) {
        return name.startsWith("end") && BLOCKS.contains(name.substring(3));
    }

    /**
     * {@code for VARS in ITER if COND}: jinjava ignores or mishandles the filter, so the filtered items
     * are collected first and the loop runs over them (loop.index, loop.last then count kept items,
     * as in Jinja). A for-else flag, when wanted, is cleared in the loop body.
     */
    private static String rewriteFor(String open, String body, String close, int id, String elseFlag) {
        String b = rewriteExpression(body).strip();
        int inAt = findWord(b, "in", 0);
        if (inAt < 0) return open + " " + b + " " + close;
        String vars = b.substring(3, inAt).strip();
        String rest = b.substring(inAt + 2).strip();
        String recursive = "";
        int recAt = findTopLevelWord(rest, "recursive");
        if (recAt >= 0) {
            recursive = " recursive";
            rest = rest.substring(0, recAt).strip();
        }
        int ifAt = findTopLevelWord(rest, "if");
        StringBuilder sb = new StringBuilder();
        String iter = rest;
        if (ifAt >= 0) {
            iter = rest.substring(0, ifAt).strip();
            String cond = rest.substring(ifAt + 2).strip();
            String list = "__for_items" + id;
            String item = vars.contains(",") ? "[" + vars + "]" : vars;
            sb.append(open).append(" set ").append(list).append(" = [] %}")
                    .append("{% for ").append(vars).append(" in ").append(iter).append(" %}")
                    .append("{% if ").append(cond).append(" %}{% do ").append(list).append(".append(").append(item)
                    .append(") %}{% endif %}{% endfor %}");
            open = "{%";
            iter = list;
        }
        sb.append(open).append(" for ").append(vars).append(" in ").append(iter).append(recursive);
        if (elseFlag != null) sb.append(" %}{% set ").append(elseFlag).append(".ran = true ");
        return sb.append(close).toString();
    }

    private static int findTopLevelWord(String e, String w) {
        int depth = 0;
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') i = skipString(e, i);
            else if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') depth--;
            else if (depth == 0 && wordAt(e, w, i) && (i == 0 || !isIdent(e.charAt(i - 1)))) return i;
        }
        return -1;
    }

    private static String opener(String tag) {
        char c = tag.charAt(2);
        return c == '-' || c == '+' ? tag.substring(0, 3) : tag.substring(0, 2);
    }

    private static String closer(String tag) {
        char c = tag.charAt(tag.length() - 3);
        return c == '-' || c == '+' ? tag.substring(tag.length() - 3) : tag.substring(tag.length() - 2);
    }

    private static String inner(String tag) {
        return tag.substring(opener(tag).length(), tag.length() - closer(tag).length());
    }

    private static String tagName(String tag) {
        String in = inner(tag).strip();
        int e = 0;
        while (e < in.length() && isIdent(in.charAt(e))) e++;
        return in.substring(0, e);
    }

    /** Splits the template into text and tags; {@code {% raw %}...{% endraw %}} stays one text piece. */
    private static java.util.List<Piece> split(String source) {
        java.util.List<Piece> pieces = new java.util.ArrayList<>();
        int i = 0;
        int n = source.length();
        while (i < n) {
            int open = nextOpen(source, i);
            if (open < 0) {
                pieces.add(new Piece(false, ' ', source.substring(i)));
                break;
            }
            if (open > i) pieces.add(new Piece(false, ' ', source.substring(i, open)));
            char kind = source.charAt(open + 1);
            int end;
            if (kind == '#') {
                end = source.indexOf("#}", open + 2);
                end = end < 0 ? n : end + 2;
            } else {
                int close = findClose(source, open + 2, kind == '{' ? "}}" : "%}");
                end = close < 0 ? n : close + 2;
            }
            String tag = source.substring(open, end);
            if (end == n && !tag.endsWith(kind == '{' ? "}}" : kind == '%' ? "%}" : "#}")) {
                pieces.add(new Piece(false, ' ', tag)); // unterminated: the parser reports it
            } else if (kind == '%' && tagName(tag).equals("raw")) {
                int endRaw = findEndRaw(source, end);
                pieces.add(new Piece(false, ' ', source.substring(open, endRaw)));
                end = endRaw;
            } else {
                pieces.add(new Piece(true, kind, tag));
            }
            i = end;
        }
        return pieces;
    }

    private static int nextOpen(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    /** The index of {@code close} ending the tag that starts at {@code from}, skipping string literals. */
    private static int findClose(String s, int from, String close) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipString(s, i);
            } else if (s.startsWith(close, i)) {
                return i;
            }
        }
        return -1;
    }

    private static int findEndRaw(String s, int from) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}").matcher(s);
        return m.find(from) ? m.end() : s.length();
    }

    /** Index of the closing quote of the literal opening at {@code i} (or the last index). */
    private static int skipString(String s, int i) {
        char q = s.charAt(i);
        for (int j = i + 1; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\') j++;
            else if (c == q) return j;
        }
        return s.length() - 1;
    }

    static String rewriteExpression(String e) {
        return groupNotTests(parenthesizeKeywordValues(rewriteSlices(e)));
    }

    private static final java.util.Set<String> KEYWORDS =
            java.util.Set.of("and", "or", "not", "in", "is", "if", "else", "for", "recursive");

    /** Rewrites {@code not OPERAND is [not] TEST [ARG]} to {@code not (OPERAND is [not] TEST [ARG])}. */
    static String groupNotTests(String e) {
        int from = 0;
        while (true) {
            int i = findWord(e, "not", from);
            if (i < 0) return e;
            from = i + 3;
            int prev = skipSpacesBack(e, i - 1);
            if (prev >= 1 && e.startsWith("is", prev - 1) && (prev - 2 < 0 || !isIdent(e.charAt(prev - 2)))) continue; // "is not"
            int opStart = skipSpaces(e, i + 3);
            if (opStart == i + 3) continue; // "not(" is handled fine by jinjava
            int opEnd = operandEnd(e, opStart);
            if (opEnd <= opStart) continue;
            int isAt = skipSpaces(e, opEnd);
            if (!wordAt(e, "is", isAt)) continue;
            int t = skipSpaces(e, isAt + 2);
            if (wordAt(e, "not", t)) t = skipSpaces(e, t + 3);
            int nameEnd = t;
            while (nameEnd < e.length() && isIdent(e.charAt(nameEnd))) nameEnd++;
            if (nameEnd == t) continue;
            int end = nameEnd;
            int argAt = skipSpaces(e, nameEnd);
            if (argAt < e.length() && e.charAt(argAt) == '(') {
                end = matching(e, argAt) + 1;
            } else if (argAt > nameEnd && argAt < e.length()) {
                int argEnd = operandEnd(e, argAt);
                if (argEnd > argAt) end = argEnd; // operandEnd refuses keywords ("and", "or", ...)
            }
            if (end <= 0) continue;
            e = e.substring(0, opStart) + "(" + e.substring(opStart, end) + ")" + e.substring(end);
        }
    }

    private static int findWord(String e, String w, int from) {
        for (int i = from; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipString(e, i);
            } else if (wordAt(e, w, i) && (i == 0 || !isIdent(e.charAt(i - 1)))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean wordAt(String e, String w, int i) {
        return e.startsWith(w, i) && (i + w.length() == e.length() || !isIdent(e.charAt(i + w.length())));
    }

    private static boolean isIdent(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static int skipSpaces(String e, int i) {
        while (i < e.length() && Character.isWhitespace(e.charAt(i))) i++;
        return i;
    }

    private static int skipSpacesBack(String e, int i) {
        while (i >= 0 && Character.isWhitespace(e.charAt(i))) i--;
        return i;
    }

    /** End (exclusive) of a postfix operand at {@code i}: a name, literal or group, then .attr, [index] and (call) parts. */
    private static int operandEnd(String e, int i) {
        if (i >= e.length()) return i;
        char c = e.charAt(i);
        int j;
        if (c == '(' || c == '[' || c == '{') {
            int m = matching(e, i);
            if (m < 0) return -1;
            j = m + 1;
        } else if (c == '\'' || c == '"') {
            j = skipString(e, i) + 1;
        } else if (isIdent(c)) {
            j = i;
            while (j < e.length() && isIdent(e.charAt(j))) j++;
            if (KEYWORDS.contains(e.substring(i, j))) return -1;
        } else {
            return -1;
        }
        while (j < e.length()) {
            char d = e.charAt(j);
            if (d == '.') {
                int k = j + 1;
                while (k < e.length() && isIdent(e.charAt(k))) k++;
                if (k == j + 1) break;
                j = k;
            } else if (d == '[' || d == '(') {
                int m = matching(e, j);
                if (m < 0) return -1;
                j = m + 1;
            } else {
                break;
            }
        }
        return j;
    }

    private static String rewriteSlices(String e) {
        while (true) {
            int[] slice = findSlice(e);
            if (slice == null) return e;
            int primaryStart = slice[0];
            int open = slice[1];
            int close = slice[2];
            String primary = e.substring(primaryStart, open);
            String[] parts = splitTopLevelColons(e.substring(open + 1, close));
            StringBuilder call = new StringBuilder(FUNCTION).append('(').append(primary);
            for (int k = 0; k < 3; k++) {
                String p = k < parts.length ? parts[k].strip() : "";
                call.append(", ").append(p.isEmpty() ? "none" : p);
            }
            call.append(')');
            e = e.substring(0, primaryStart) + call + e.substring(close + 1);
        }
    }

    /** Wraps the value of each {@code name=value} inside call parentheses in parentheses. */
    private static String parenthesizeKeywordValues(String e) {
        StringBuilder out = new StringBuilder(e.length() + 16);
        java.util.ArrayDeque<Character> stack = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Integer> closeAt = new java.util.ArrayDeque<>(); // depth at which a wrapped value ends
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = skipString(e, i);
                out.append(e, i, end + 1);
                i = end;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                stack.push(c);
            } else if (c == ')' || c == ']' || c == '}') {
                if (!closeAt.isEmpty() && closeAt.peek() == stack.size()) {
                    out.append(')');
                    closeAt.pop();
                }
                if (!stack.isEmpty()) stack.pop();
            } else if (c == ',' && !closeAt.isEmpty() && closeAt.peek() == stack.size()) {
                out.append(')');
                closeAt.pop();
            }
            out.append(c);
            if (c == '=' && !stack.isEmpty() && stack.peek() == '(' && isKeywordEquals(e, i)) {
                out.append('(');
                closeAt.push(stack.size());
            }
        }
        while (!closeAt.isEmpty()) {
            out.append(')');
            closeAt.pop();
        }
        return out.toString();
    }

    /** A lone '=' after an identifier (not ==, !=, <=, >=). */
    private static boolean isKeywordEquals(String e, int i) {
        if (i + 1 < e.length() && e.charAt(i + 1) == '=') return false;
        int j = i - 1;
        while (j >= 0 && e.charAt(j) == ' ') j--;
        if (j < 0) return false;
        char p = e.charAt(j);
        return Character.isLetterOrDigit(p) || p == '_';
    }

    /** {primaryStart, '[' index, ']' index} of the first subscript holding a top-level ':', or null. */
    private static int[] findSlice(String e) {
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipString(e, i);
                continue;
            }
            if (c != '[') continue;
            int primaryStart = primaryStart(e, i);
            if (primaryStart == i) continue; // a list literal, not a subscript
            int close = matching(e, i);
            if (close < 0) return null;
            if (hasTopLevelColon(e.substring(i + 1, close))) return new int[]{primaryStart, i, close};
        }
        return null;
    }

    /** Walks left from the '[' at {@code bracket} over the postfix expression it subscripts. */
    private static int primaryStart(String e, int bracket) {
        int j = bracket - 1;
        while (j >= 0) {
            char c = e.charAt(j);
            if (c == ']' || c == ')') {
                int o = matchingBackward(e, j);
                if (o < 0) break;
                j = o - 1;
            } else if (c == '\'' || c == '"') {
                int o = e.lastIndexOf(c, j - 1);
                if (o < 0) break;
                j = o - 1;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                j--;
            } else {
                break;
            }
        }
        return j + 1;
    }

    private static int matching(String e, int open) {
        int depth = 0;
        for (int i = open; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') i = skipString(e, i);
            else if (c == '[' || c == '(' || c == '{') depth++;
            else if (c == ']' || c == ')' || c == '}') {
                if (--depth == 0) return i;
            }
        }
        return -1;
    }

    private static int matchingBackward(String e, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            char c = e.charAt(i);
            if (c == ']' || c == ')' || c == '}') depth++;
            else if (c == '[' || c == '(' || c == '{') {
                if (--depth == 0) return i;
            }
        }
        return -1;
    }

    private static boolean hasTopLevelColon(String inner) {
        return splitTopLevelColons(inner).length > 1;
    }

    private static String[] splitTopLevelColons(String inner) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '\'' || c == '"') i = skipString(inner, i);
            else if (c == '[' || c == '(' || c == '{') depth++;
            else if (c == ']' || c == ')' || c == '}') depth--;
            else if (c == ':' && depth == 0) {
                parts.add(inner.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(inner.substring(start));
        return parts.toArray(String[]::new);
    }
}
