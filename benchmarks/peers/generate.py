#!/usr/bin/env python3
"""generate.py: one workload, three tools. Reads benchmarks/peers/workload.json and the
lab (its hosts table, key and known_hosts) and writes, into OUT:

  converge.json                 an inventory whose `bench` group gets converge-lab's
                                `bench` role, the workload as its vars
  pyinfra_inventory.py, deploy.py
  ansible_inventory.ini, playbook.yml, ansible.cfg

With --proxy BASE_PORT the hosts are reached through benchmarks/peers/delay-proxy.py
(host i at GATEWAY:BASE_PORT+i) and a known_hosts for those endpoints is written too.
Every tool writes the same files (same content, mode, owner), packages and service: each
file's text is the one Tests/LabPlaybooks/Bench.swift's benchFileContent gives.
"""
import argparse
import json
import os
import subprocess


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", required=True)
    parser.add_argument("--lab", default="/var/lib/converge-lab")
    parser.add_argument("--out", required=True)
    parser.add_argument("--proxy", type=int, help="base port of delay-proxy.py's endpoints")
    parser.add_argument("--gateway", default="10.231.0.1")
    args = parser.parse_args()
    workload = json.load(open(args.workload))
    hosts = [line.split("\t")[:2] for line in open(os.path.join(args.lab, "hosts.tsv")).read().splitlines() if line]
    key = os.path.join(args.lab, "id_ed25519")
    known_hosts = os.path.join(args.lab, "known_hosts")
    os.makedirs(args.out, exist_ok=True)
    endpoints = []  # (name, address, port)
    for index, (name, address) in enumerate(hosts):
        if args.proxy:
            endpoints.append((name, args.gateway, args.proxy + index))
        else:
            endpoints.append((name, address, 22))
    if args.proxy:
        # The lab's known_hosts holds each host's keys (some entries hashed): found with
        # ssh-keygen -F and written again for the proxy's endpoint.
        lines = []
        for (name, address), (_, gateway, port) in zip(hosts, endpoints):
            found = subprocess.run(["ssh-keygen", "-F", address, "-f", known_hosts], capture_output=True, text=True).stdout
            for line in found.splitlines():
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.split(" ", 1)
                lines.append(f"[{gateway}]:{port} {fields[1]}")
        known_hosts = os.path.join(args.out, "known_hosts")
        open(known_hosts, "w").write("\n".join(lines) + "\n")

    # converge: the bench role, the workload as vars.
    converge = {
        "ssh": {"user": "root", "identityFile": key, "knownHosts": known_hosts, "hostKeyPolicy": "strict",
                "connectTimeout": 30},
        "groups": {"bench": {"roles": ["bench"], "vars": {
            "bench_directory": workload["directory"], "bench_files": workload["files"],
            "bench_packages": workload["packages"], "bench_service": workload["service"]}}},
        "hosts": [dict({"name": name, "address": address, "groups": ["bench"]}, **({"port": port} if port != 22 else {}))
                  for name, address, port in endpoints],
    }
    json.dump(converge, open(os.path.join(args.out, "converge.json"), "w"), indent=2)

    # pyinfra: an inventory module and a deploy.
    with open(os.path.join(args.out, "pyinfra_inventory.py"), "w") as out:
        out.write("bench = [\n")
        for name, address, port in endpoints:
            data = {"ssh_hostname": address, "ssh_port": port, "ssh_user": "root", "ssh_key": key,
                    "ssh_known_hosts_file": known_hosts, "ssh_strict_host_key_checking": "yes"}
            out.write(f"    ({name!r}, {data!r}),\n")
        out.write("]\n")
    with open(os.path.join(args.out, "deploy.py"), "w") as out:
        out.write(f"""from io import StringIO

from pyinfra.operations import apt, files, systemd

files.directory(name="bench directory", path={workload['directory']!r}, user="root", group="root", mode="755")
for number in range(1, {workload['files']} + 1):
    files.put(name=f"bench file {{number}}", src=StringIO(f"# benchmark file {{number}}\\nsetting_{{number}} = value {{number}}\\n"),
              dest=f"{workload['directory']}/file-{{number}}.conf", user="root", group="root", mode="644")
apt.packages(name="bench packages", packages={workload['packages']!r}, update=True, cache_time=3600)
systemd.service(name="bench service", service={workload['service']!r}, running=True, enabled=True)
""")

    # Ansible: inventory, playbook, configuration (every host at once, pipelining, no fact
    # gathering: its fastest honest setup).
    with open(os.path.join(args.out, "ansible_inventory.ini"), "w") as out:
        out.write("[bench]\n")
        for name, address, port in endpoints:
            out.write(f"{name} ansible_host={address} ansible_port={port}\n")
        out.write("\n[bench:vars]\nansible_user=root\nansible_python_interpreter=/usr/bin/python3\n")
    with open(os.path.join(args.out, "playbook.yml"), "w") as out:
        out.write(f"""- hosts: bench
  gather_facts: false
  tasks:
    - name: bench directory
      ansible.builtin.file: {{path: "{workload['directory']}", state: directory, owner: root, group: root, mode: "0755"}}
    - name: bench files
      ansible.builtin.copy:
        dest: "{workload['directory']}/file-{{{{ item }}}}.conf"
        content: "# benchmark file {{{{ item }}}}\\nsetting_{{{{ item }}}} = value {{{{ item }}}}\\n"
        owner: root
        group: root
        mode: "0644"
      loop: "{{{{ range(1, {workload['files']} + 1) | list }}}}"
    - name: bench packages
      ansible.builtin.apt: {{name: {json.dumps(workload['packages'])}, update_cache: true, cache_valid_time: 3600}}
    - name: bench service
      ansible.builtin.systemd: {{name: "{workload['service']}", state: started, enabled: true}}
""")
    with open(os.path.join(args.out, "ansible.cfg"), "w") as out:
        out.write(f"""[defaults]
forks = {len(endpoints)}
host_key_checking = True
private_key_file = {key}
gathering = explicit
interpreter_python = /usr/bin/python3
stdout_callback = default
display_skipped_hosts = False
retry_files_enabled = False

[ssh_connection]
pipelining = True
ssh_args = -F /dev/null -o UserKnownHostsFile={known_hosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o ControlMaster=auto -o ControlPersist=60s -o IdentitiesOnly=yes
control_path_dir = {os.path.join(args.out, "ansible-cp")}
""")


if __name__ == "__main__":
    main()
