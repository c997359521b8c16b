# weighted.zpl -- a canary release: 70/20/10 between three pools; the
# zero-weight pool only answers when every weighted one is down.
#
#   build/zonec query examples/policies/weighted.zpl www.weighted.example A --seed 7

check blue  http 192.0.2.10:80 path "/healthz";
check green http 192.0.2.11:80 path "/healthz";
check old   http 192.0.2.12:80 path "/healthz";

zone weighted.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601;
    ns ns1;
    records {
        ns1  A  192.0.2.53
    }

    www A ttl 30 weighted {
        70 -> 192.0.2.10 check blue;     # current release
        20 -> 192.0.2.11 check green;    # canary
        10 -> 192.0.2.12 check old;      # previous release
        0  -> 192.0.2.99;                # sorry server: only when all else is down
    }
}
