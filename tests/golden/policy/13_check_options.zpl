# options that do not fit the check kind, twice, or out of range
check t tcp 192.0.2.10:22 path "/" expect 200;
check h http 192.0.2.10:80 path "/a" path "/b" expect 99-600 fall 11 rise 0;
check s https 192.0.2.10 host "a b" contains "";
check c calculated (t, h) timeout 1s at-least 3;
check x tcp 192.0.2.10 interval 1s;
check y http 192.0.2.10:80 expect 300-200 path "healthz" interval 0 timeout 2d;
check z http www.example.com:80;
