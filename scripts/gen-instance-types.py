#!/usr/bin/env python3
"""Generates data/instance_types.tsv, the table of every EC2 instance type ecsim knows.

Python standard library only. The sources are public files of three GitHub repositories
(data/instance_types.SOURCES.md names each repository, path, commit and date):

  --vpc      aws/amazon-vpc-cni-k8s      pkg/vpc/vpc_ip_resource_limit.go
             max ENIs (all network cards'), IPv4 addresses per ENI, per type
  --karpenter aws/karpenter-provider-aws website/content/en/*/reference/instance-types.md
             (give every version: the newest first; a type takes its first description)
             vCPUs, memory MiB, architecture, NVIDIA GPU count, per type
  --pricing  aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go
             Linux on-demand USD/hour in us-east-1
  --ecs-eni  awsdocs/amazon-ecs-developer-guide doc_source/container-instance-eni.md
             the awsvpc task limit with ENI trunking, for the types ECS lists

Get them with `git show COMMIT:PATH > FILE` in a clone of each repository, then:

  python3 scripts/gen-instance-types.py --vpc vpc.go --pricing pricing.go \\
      --ecs-eni container-instance-eni.md --karpenter preview.md v1.14.md v1.13.md v1.12.md v1.0.md \\
      > data/instance_types.tsv

A type is in the table when both the ENI limits and a description (vCPUs, memory) are known
and ECS can run it: macOS (mac*) types are left out, ECS runs Linux and Windows only.
The 19 types of ecsim's first table keep their values (PINNED): bundled scenarios' outputs
depend on them, and their prices and ENI counts were checked against the AWS documentation.
"""

import argparse
import re
import sys

# name: (arch, vcpus, memory MiB, max ENIs, trunk tasks or None, price USD/h) — the values of
# ecsim's original table, kept as they are.
PINNED = {
    "t3.small": ("x86_64", 2, 2048, 3, None, 0.0208),
    "t3.medium": ("x86_64", 2, 4096, 3, None, 0.0416),
    "t3.large": ("x86_64", 2, 8192, 3, None, 0.0832),
    "m5.large": ("x86_64", 2, 8192, 3, 10, 0.096),
    "m5.xlarge": ("x86_64", 4, 16384, 4, 20, 0.192),
    "m5.2xlarge": ("x86_64", 8, 32768, 4, 40, 0.384),
    "m6i.large": ("x86_64", 2, 8192, 3, 10, 0.096),
    "m6i.xlarge": ("x86_64", 4, 16384, 4, 20, 0.192),
    "m7i.large": ("x86_64", 2, 8192, 3, None, 0.1008),
    "m6g.large": ("arm64", 2, 8192, 3, 10, 0.077),
    "m7g.large": ("arm64", 2, 8192, 3, 10, 0.0816),
    "c5.large": ("x86_64", 2, 4096, 3, 10, 0.085),
    "c5.xlarge": ("x86_64", 4, 8192, 4, 20, 0.17),
    "c5.2xlarge": ("x86_64", 8, 16384, 4, 40, 0.34),
    "c6g.large": ("arm64", 2, 4096, 3, 10, 0.068),
    "c7g.large": ("arm64", 2, 4096, 3, 10, 0.0725),
    "r5.large": ("x86_64", 2, 16384, 3, 10, 0.126),
    "r5.xlarge": ("x86_64", 4, 32768, 4, 20, 0.252),
    "r6g.large": ("arm64", 2, 16384, 3, 10, 0.1008),
}

TYPE_NAME = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+$")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def parse_vpc(text):
    """type -> (max ENIs over all network cards, IPv4 per ENI) from the VPC CNI's generated Go map."""
    out = {}
    for m in re.finditer(r'^\t"([a-z0-9.-]+)": \{\n(.*?)^\t\},', text, re.M | re.S):
        body = m.group(2)
        eni = re.search(r"^\t\tENILimit:\s+(\d+),", body, re.M)
        ipv4 = re.search(r"^\t\tIPv4Limit:\s+(\d+),", body, re.M)
        cards = [int(n) for n in re.findall(r"MaximumNetworkInterfaces:\s+(\d+),", body)]
        if eni and ipv4:
            # Every network card's interfaces: ECS counts them all (its trunking table gives
            # p4d.24xlarge, 4 cards of 15, 59 awsvpc tasks without trunking).
            out[m.group(1)] = (sum(cards) if cards else int(eni.group(1)), int(ipv4.group(1)))
    return out


def parse_karpenter(text):
    """type -> {label: value} from one version of Karpenter's instance-types reference."""
    out = {}
    for block in re.split(r"^### `", text, flags=re.M)[1:]:
        name = block.split("`", 1)[0]
        labels = dict(re.findall(r"^ \|([a-z0-9./-]+)\|([^|]*)\|", block, re.M))
        out[name] = labels
    return out


def parse_pricing(text):
    """type -> USD/hour, us-east-1's block of Karpenter's generated on-demand prices."""
    m = re.search(r'^\t"us-east-1": \{\n(.*?)^\t\},', text, re.M | re.S)
    if not m:
        sys.exit("pricing: no us-east-1 block")
    return {k: float(v) for k, v in re.findall(r'"([a-z0-9.-]+)": ([0-9.]+)', m.group(1))}


def parse_ecs_eni(text):
    """type -> awsvpc tasks with trunking, from the ECS guide's supported-types tables."""
    out = {}
    for name, _without, with_trunk in re.findall(r"^\| ([a-z0-9\\.-]+) \| (\d+) \| (\d+) \|", text, re.M):
        out[name.replace("\\", "")] = int(with_trunk)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vpc", required=True)
    p.add_argument("--pricing", required=True)
    p.add_argument("--ecs-eni", required=True)
    p.add_argument("--karpenter", required=True, nargs="+")
    a = p.parse_args()

    vpc = parse_vpc(read(a.vpc))
    prices = parse_pricing(read(a.pricing))
    trunk = parse_ecs_eni(read(a.ecs_eni))
    described = {}
    for path in a.karpenter:  # the newest first: a type keeps its first description
        for name, labels in parse_karpenter(read(path)).items():
            described.setdefault(name, labels)

    rows = []
    skipped = []
    def order(name):
        # A family's sizes from the smallest up, as `ecsim types` lists them.
        labels = described.get(name, {})
        try:
            size = (int(labels.get("karpenter.k8s.aws/instance-cpu", 0)), int(labels.get("karpenter.k8s.aws/instance-memory", 0)))
        except ValueError:
            size = (0, 0)
        if name in PINNED:
            size = (PINNED[name][1], PINNED[name][2])
        return (name.split(".")[0], size, name)

    for name in sorted(set(vpc) | set(described) | set(PINNED), key=order):
        if not TYPE_NAME.match(name) or name.startswith("mac"):
            skipped.append((name, "macOS or not a type name"))
            continue
        if name in PINNED:
            arch, vcpus, mem, enis, trunk_tasks, price = PINNED[name]
            ipv4 = vpc.get(name, (0, 0))[1]
            gpus = 0
            origin = "pinned"
        else:
            if name not in vpc:
                skipped.append((name, "no ENI limits"))
                continue
            labels = described.get(name)
            if labels is None:
                skipped.append((name, "no vCPU/memory description"))
                continue
            try:
                vcpus = int(labels["karpenter.k8s.aws/instance-cpu"])
                mem = int(labels["karpenter.k8s.aws/instance-memory"])
                arch = {"amd64": "x86_64", "arm64": "arm64"}[labels["kubernetes.io/arch"]]
            except (KeyError, ValueError):
                skipped.append((name, "incomplete description"))
                continue
            gpus = 0
            if labels.get("karpenter.k8s.aws/instance-gpu-manufacturer") == "nvidia":
                gpus = int(labels.get("karpenter.k8s.aws/instance-gpu-count", "0"))
            enis, ipv4 = vpc[name]
            trunk_tasks = trunk.get(name)
            price = prices.get(name)
            origin = "data"
        rows.append(
            "\t".join(
                [
                    name,
                    arch,
                    str(vcpus),
                    str(mem),
                    str(enis),
                    str(ipv4),
                    "-" if trunk_tasks is None else str(trunk_tasks),
                    str(gpus),
                    "-" if price is None else f"{price:g}",
                    origin,
                ]
            )
        )
    print("# Generated by scripts/gen-instance-types.py; sources: data/instance_types.SOURCES.md")
    print("# name\tarch\tvcpus\tmemory_mib\tmax_enis\tipv4_per_eni\ttrunk_tasks\tnvidia_gpus\tusd_per_hour\torigin")
    for r in rows:
        print(r)
    for name, why in skipped:
        print(f"skipped {name}: {why}", file=sys.stderr)
    print(f"{len(rows)} types, {len(skipped)} skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
