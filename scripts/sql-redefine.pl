#!/usr/bin/perl
# Reads an install script and prints the statements an upgrade can re-run to
# bring every routine, view and trigger to that script's definition:
# CREATE FUNCTION/PROCEDURE/AGGREGATE/VIEW/TRIGGER become CREATE OR REPLACE,
# and the COMMENT ON of those objects follow as written. Everything else
# (tables, types, policies, DO blocks...) is left to hand-written pieces.
#
#   scripts/sql-redefine.pl sql/convdash--0.2.sql
#
# The script is split into statements by a small lexer that knows quoted
# strings (E'' escapes too), quoted identifiers, dollar quotes and both kinds of comment, so a
# ';' inside a function body never ends a statement.
use strict;
use warnings;

local $/;
my $sql = <>;
my @statements;
my $start = 0;
pos($sql) = 0;
while (pos($sql) < length $sql) {
	if ($sql =~ /\G\$([A-Za-z_][A-Za-z_0-9]*)?\$/gc) {
		my $tag = '$' . ($1 // '') . '$';
		my $end = index($sql, $tag, pos($sql));
		die "unterminated dollar quote $tag\n" if $end < 0;
		pos($sql) = $end + length $tag;
	} elsif ($sql =~ /\G;/gc) {
		push @statements, substr($sql, $start, pos($sql) - $start);
		$start = pos($sql);
	} else {
		$sql =~ /\G(?:--[^\n]*|\/\*.*?\*\/|(?<![A-Za-z0-9_])[Ee]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|"(?:[^"]|"")*"|[^-\/'"\$;Ee]+|.)/gcs
			or die "cannot read the script at offset " . pos($sql) . "\n";
	}
}

my $kinds = qr/FUNCTION|PROCEDURE|AGGREGATE|VIEW|TRIGGER/;
for my $s (@statements) {
	# drop the comment lines and blank lines before the statement itself
	(my $body = $s) =~ s/\A(?:\s+|--[^\n]*\n)*//;
	if ($body =~ /\ACREATE\s+(?:OR\s+REPLACE\s+)?($kinds)\b/i) {
		$body =~ s/\ACREATE\s+(?:OR\s+REPLACE\s+)?/CREATE OR REPLACE /i;
		print "$body\n";
	} elsif ($body =~ /\ACOMMENT\s+ON\s+($kinds)\b/i) {
		print "$body\n";
	}
}
