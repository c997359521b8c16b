#!/usr/bin/perl
# mkmmdb.pl -- write the small MaxMind DB fixtures for tests/unit/test_geodata.c
# SPDX-License-Identifier: MIT
#
# usage: perl tests/geo/mkmmdb.pl tests/geo     (needs Debian's libmaxmind-db-writer-perl)
#
# The .mmdb files are committed; rerun this only to change them. The writer
# is MaxMind's own (MaxMind::DB::Writer), so the fixtures have the layout of
# real GeoIP2 files, including the IPv4 aliases (::ffff:0:0/96, 2002::/16)
# that an IPv6 tree carries.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $dir = shift // '.';
my %types = (
    country => 'map', iso_code => 'utf8_string', subdivisions => ['array', 'map'],
    location => 'map', latitude => 'double', longitude => 'double',
    country_code => 'utf8_string', names => 'map', en => 'utf8_string',
    city => 'utf8_string',
);

sub tree {
    my ($ipv, $size, $alias) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version => $ipv, record_size => $size, database_type => 'zonec-test',
        languages => ['en'], description => { en => 'zonec test fixture' },
        map_key_type_callback => sub { $types{ $_[0] } },
        alias_ipv6_to_ipv4 => $alias, remove_reserved_networks => 0,
    );
}

sub write_db {
    my ($tree, $name) = @_;
    open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!";
    $tree->write_tree($fh);
    close $fh;
}

# GeoIP2-City-like IPv6 tree with IPv4 inside, record sizes 28 and 32.
for my $size (28, 32) {
    my $t = tree(6, $size, 1);
    $t->insert_network('1.2.3.0/24', { country => { iso_code => 'US' },
        subdivisions => [{ iso_code => 'CA', names => { en => 'California' } }],
        location => { latitude => 37.7749, longitude => -122.4194 } });
    $t->insert_network('1.2.4.0/23', { country => { iso_code => 'CA' } });
    $t->insert_network('5.0.0.0/8', { country => { iso_code => 'DE' },
        location => { latitude => 51.0, longitude => 9.0 } });
    $t->insert_network('2001:db8::/32', { country => { iso_code => 'FR' },
        location => { latitude => 48.8566, longitude => 2.3522 } });
    $t->insert_network('2001:db8:1::/48', { country => { iso_code => 'GB' },
        subdivisions => [{ iso_code => 'ENG' }] });
    $t->insert_network('2a00::/16', { country_code => 'NL' });            # ip-location-db style
    $t->insert_network('2a01::/16', { city => 'nowhere' });               # nothing we use
    write_db($t, "city6-$size.mmdb");
}

# ip-location-db-like IPv4 country tree, record size 24.
my $t = tree(4, 24, 0);
$t->insert_network('10.0.0.0/8', { country_code => 'JP' });
$t->insert_network('11.0.0.0/9', { country => { iso_code => 'AU' } });
$t->insert_network('11.128.0.0/9', { country => { iso_code => 'AU' } }); # merges with 11.0.0.0/9
write_db($t, 'country4-24.mmdb');
