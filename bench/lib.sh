# Shared by the bench scripts (source it after `cd` to the project root).

# median VALUE...: the median of numbers (the lower middle one for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
