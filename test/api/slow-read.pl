#!/usr/bin/perl
# A slow HTTP client whose receive buffer stays small: GETs a path on
# 127.0.0.1 and reads the answer at a fixed rate, so that a long download
# stays long whatever the kernel's TCP autotuning would buffer (curl's
# --limit-rate reads slowly, but its socket may take 32 MB at once on a
# machine whose net.ipv4.tcp_rmem allows it, and a 20 MB export then ends
# in the buffers within a second).
#
# Usage: slow-read.pl PORT PATH KEY BYTES_PER_SECOND OUTPUT
# Writes the answer's body, chunked encoding decoded, to OUTPUT. Exits 0
# when the chunked body ended with its last chunk, 18 (curl's "partial
# file") when the connection closed before it, 2 on a usage or connect error.
use strict;
use warnings;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF);

@ARGV == 5 or die "usage: slow-read.pl PORT PATH KEY BYTES_PER_SECOND OUTPUT\n";
my ($port, $path, $key, $rate, $output) = @ARGV;
my $piece = 16384;

my $sock = IO::Socket::INET->new(Proto => 'tcp') or exit 2;
# set before connecting, so that the window offered to the server is small from the start
setsockopt($sock, SOL_SOCKET, SO_RCVBUF, $piece) or exit 2;
$sock->connect(pack_sockaddr_in($port, inet_aton('127.0.0.1'))) or exit 2;
print $sock "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer $key\r\nConnection: close\r\n\r\n";

my $answer = '';
while (1) {
	my $got = sysread($sock, my $buf, $piece);
	last if !defined $got || $got == 0;
	$answer .= $buf;
	select(undef, undef, undef, $got / $rate);
}
close $sock;

# the chunked body decoded, up to where it stops
my (undef, $body) = split /\r\n\r\n/, $answer, 2;
$body //= '';
my ($data, $at, $complete) = ('', 0, 0);
while ($body =~ /\G([0-9a-fA-F]+)\r\n/gc) {
	my $size = hex $1;
	$at = pos $body;
	if ($size == 0) {
		$complete = substr($body, $at, 2) eq "\r\n";
		last;
	}
	$data .= substr($body, $at, $size);
	last if length($body) < $at + $size + 2;
	pos($body) = $at + $size + 2;
}
open my $out, '>', $output or exit 2;
binmode $out;
print $out $data;
close $out;
exit($complete ? 0 : 18);
