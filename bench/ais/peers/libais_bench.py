#!/usr/bin/python3
"""Decode an NMEA file with libais (Debian python3-ais) and report figures as JSON.

Usage: /usr/bin/python3 libais_bench.py FILE [queue|decode]

  queue   libais's own reassembly: ais.nmea_queue.NmeaQueue (regex parse,
          checksum, multipart groups keyed by sequence id), then ais.decode.
  decode  a minimal loop written here: split the line, check the checksum,
          join fragments by (channel, sequence id), call ais.decode(body, fill).

Prints one JSON object: seconds (read + decode, without interpreter start),
messages decoded, messages by type, decode errors, peak RSS (KiB).
"""
import json
import logging
import resource
import sys
import time

import ais
from ais import nmea_queue

logging.disable(logging.CRITICAL)  # libais logs every dropped fragment


def run_queue(path):
  by_type = {}
  errors = 0
  q = nmea_queue.NmeaQueue()
  get = q.GetOrNone
  with open(path, 'r', encoding='latin-1') as f:
    for line in f:
      try:
        q.put(line)
      except (TypeError, ValueError, ais.DecodeError):
        errors += 1  # e.g. multipart fragment with an empty sequence id
        continue
      while True:
        msg = get()
        if msg is None:
          break
        d = msg.get('decoded')
        if d is not None and 'id' in d:
          t = d['id']
          by_type[t] = by_type.get(t, 0) + 1
  return by_type, errors


def checksum_ok(s):
  star = s.rfind('*')
  x = 0
  for c in s[1:star]:
    x ^= ord(c)
  return x == int(s[star + 1:star + 3], 16)


def run_decode(path):
  by_type = {}
  errors = 0
  groups = {}
  decode = ais.decode
  with open(path, 'r', encoding='latin-1') as f:
    for line in f:
      line = line.rstrip()
      if not checksum_ok(line):
        errors += 1
        continue
      fields = line.split(',')
      if len(fields) != 7:
        errors += 1
        continue
      tot = fields[1]
      body = fields[5]
      fill = int(fields[6][0])
      if tot != '1':
        key = (fields[4], fields[3])
        num = int(fields[2])
        if num == 1:
          groups[key] = [body]
          continue
        parts = groups.get(key)
        if parts is None or len(parts) != num - 1:
          groups.pop(key, None)
          errors += 1
          continue
        parts.append(body)
        if num != int(tot):
          continue
        del groups[key]
        body = ''.join(parts)
      try:
        d = decode(body, fill)
      except ais.DecodeError:
        errors += 1
        continue
      t = d['id']
      by_type[t] = by_type.get(t, 0) + 1
  return by_type, errors


def main():
  path = sys.argv[1]
  mode = sys.argv[2] if len(sys.argv) > 2 else 'queue'
  t0 = time.perf_counter()
  by_type, errors = (run_queue if mode == 'queue' else run_decode)(path)
  seconds = time.perf_counter() - t0
  json.dump({
      'seconds': seconds,
      'messages': sum(by_type.values()),
      'byType': {str(k): v for k, v in sorted(by_type.items())},
      'errors': errors,
      'maxRssKiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
  }, sys.stdout)
  sys.stdout.write('\n')


if __name__ == '__main__':
  main()
