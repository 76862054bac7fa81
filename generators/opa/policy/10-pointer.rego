# RFC 6901 JSON pointers for the patch paths.
package supremeraid.admission

# "~" becomes "~0" and "/" becomes "~1". strings.replace_n replaces in one
# pass without rescanning its output, so the "~1" written for "/" is not
# escaped again.
pointer_segment(s) := strings.replace_n({"~": "~0", "/": "~1"}, s) if is_string(s)

pointer_segment(n) := format_int(n, 10) if is_number(n)

# Joined with a leading "" so the pointer starts with "/".
pointer(segments) := concat("/", array.concat([""], [pointer_segment(s) | some s in segments]))
