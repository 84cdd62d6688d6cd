"""The local cluster: 3 KRaft nodes, Apicurio Registry and JMX metrics, run as plain JVMs.

Modules: ``layout`` (ports and dirs), ``toolchain`` (java, mvn), ``artifacts`` (Maven fetch,
the version pins), ``config`` (pure rendering), ``procs`` (pid files, signals), ``health``
(probes), ``components`` (the four JVMs), ``cluster`` (up / down / status).
"""
