# calculated checks: known children, once each, at-least within range, no cycles
check web tcp 192.0.2.10:80;
check a calculated (web, b);
check b calculated (c, web, web);
check c calculated (a) at-least 2;
check d calculated (nope) at-least 0;
check e calculated (e);
