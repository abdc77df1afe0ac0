#!/usr/bin/env bash
# upgrade-scale: how gomicro upgrade's cost grows with the template's size, beside git's own
# three-way merge of the same trees (the floor: git merge of the template's v2 into a branch
# holding the team's edits) and, when installed, copier update on the same template.
# A template of N text files of 20 lines, each using an answer; release 2.0.0 changes 10% of
# them, deletes 1% and adds 1%; the team edited another 10%. Also prints gomicro's peak RSS
# (GNU time's %M, when /usr/bin/time is there) and the template's size.
# usage: docs/upgrade-scale.sh GOMICRO N [RUNS]
#   (prints: N files_changed gomicro_ms git_merge_ms copier_ms gomicro_rss_kb template_kb, medians)
# e.g.   go build -o /tmp/gomicro ./cmd/gomicro && docs/upgrade-scale.sh /tmp/gomicro 5000 5
# SETTLE=S waits S seconds after making each fresh copy (sync, then sleep) before timing it: on
# ext4, files created within seconds of a large delete skip the inodes it freed, which makes
# both gomicro's and git's writes vary by a factor of two (docs/upgrade.md). Default 0.
set -euo pipefail
GM=$1; N=$2; RUNS=${3:-5}
W=$(mktemp -d /tmp/upscale.XXXXXX); trap 'rm -rf "$W"' EXIT
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@x.invalid GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@x.invalid
export GIT_CONFIG_GLOBAL=/dev/null
ms() { python3 -c "import sys,statistics; print(round(statistics.median(float(x) for x in sys.argv[1:])*1000,1))" "$@"; }
now() { date +%s.%N; }
settle() { if [ "${SETTLE:-0}" != 0 ]; then sync; sleep "$SETTLE"; fi; }
# --- template repo, two tagged releases, in gomicro's format and copier's
mk_tree() { # DIR FLAVOR VERSION   FLAVOR gomicro|copier
  local d=$1 fl=$2 v=$3 i
  mkdir -p "$d"
  if [ "$fl" = gomicro ]; then
    printf 'name: scale\nversion: %s\nquestions:\n  - name: name\n    default: svc\n' "$v" > "$d/template.yaml"; var='{{ .name }}'; ext=.tmpl
  else
    mkdir -p "$d/tpl"; printf '_subdirectory: tpl\nname:\n  type: str\n  default: svc\n' > "$d/copier.yml"
    printf '{{ _copier_answers|to_nice_yaml }}' > "$d/tpl/{{_copier_conf.answers_file}}.jinja"; var='{{ name }}'; ext=.jinja; d=$d/tpl
  fi
  for ((i=0;i<N;i++)); do
    mkdir -p "$d/d$((i%50))"
    f="$d/d$((i%50))/f$i.txt$ext"
    if [ "$v" = 2.0.0 ] && [ $((i%100)) -eq 1 ]; then continue; fi      # 1% deleted in v2
    { for l in $(seq 1 20); do
        if [ "$v" = 2.0.0 ] && [ $((i%10)) -eq 0 ] && [ "$l" = 3 ]; then echo "line 3 of $i for $var, changed in 2.0.0"; else echo "line $l of $i for $var"; fi
      done; } > "$f"
  done
  if [ "$v" = 2.0.0 ]; then for ((i=0;i<N/100+1;i++)); do echo "new $i for $var" > "$d/d0/new$i.txt$ext"; done; fi
}
mk_repo() { # DIR FLAVOR
  local r=$1 fl=$2
  mkdir -p "$r"; (cd "$r" && git init -q -b main)
  mk_tree "$r" "$fl" 1.0.0; (cd "$r" && git add -A && git commit -qm v1 && git tag v1.0.0)
  find "$r" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
  mk_tree "$r" "$fl" 2.0.0; (cd "$r" && git add -A && git commit -qm v2 && git tag v2.0.0)
}
team_edit() { # PROJECT: edit line 15 of every 10th file (i%10==5), commit
  local p=$1 i f
  for ((i=5;i<N;i+=10)); do f="$p/d$((i%50))/f$i.txt"; [ -f "$f" ] && sed -i '15s/.*/line 15 edited by the team/' "$f"; done
  (cd "$p" && git add -A && git commit -qm team)
}
mk_repo "$W/tg" gomicro
export XDG_CACHE_HOME=$W/cache
(cd "$W" && "$GM" new svc --template "file://$W/tg@v1.0.0" --non-interactive >/dev/null)
team_edit "$W/svc"
gmt=(); for ((r=0;r<RUNS;r++)); do
  rm -rf "$W/run"; cp -a "$W/svc" "$W/run"; settle
  t0=$(now); (cd "$W/run" && "$GM" upgrade --non-interactive >/dev/null 2>&1) || { echo "gomicro upgrade failed"; (cd "$W/run" && "$GM" upgrade --non-interactive) 2>&1 | tail -3; exit 1; }; t1=$(now)
  gmt+=("$(python3 -c "print($t1-$t0)")")
done
rss="-"
if [ -x /usr/bin/time ]; then
  rm -rf "$W/run"; cp -a "$W/svc" "$W/run"
  rss=$(cd "$W/run" && /usr/bin/time -f %M "$GM" upgrade --non-interactive 2>&1 >/dev/null | tail -1)
fi
tsize=$(cd "$W/tg" && git ls-tree -r -l v2.0.0 | awk '{s+=$4} END {print int(s/1024)}')
changed=$(cd "$W/run" && git status --porcelain | wc -l)
# --- git merge floor on the same rendered trees: branch tpl has the v1 render then the v2 render; main = v1 + team edits
mkdir -p "$W/gitm"; (cd "$W/gitm" && git init -q -b main)
(cd "$W" && rm -rf r1 r2 && mkdir r1 r2 && (cd r1 && "$GM" new svc --template "file://$W/tg@v1.0.0" --non-interactive --no-git >/dev/null) && (cd r2 && "$GM" new svc --template "file://$W/tg@v2.0.0" --non-interactive --no-git >/dev/null))
cp -a "$W/r1/svc/." "$W/gitm/"; (cd "$W/gitm" && git add -A && git commit -qm v1 && git branch tpl)
team_edit "$W/gitm"
(cd "$W/gitm" && git checkout -q tpl && find . -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} + && cp -a "$W/r2/svc/." . && git add -A && git commit -qm v2 && git checkout -q main)
gt=(); for ((r=0;r<RUNS;r++)); do
  rm -rf "$W/grun"; cp -a "$W/gitm" "$W/grun"; settle
  t0=$(now); (cd "$W/grun" && git merge -q --no-edit tpl >/dev/null 2>&1); t1=$(now)
  gt+=("$(python3 -c "print($t1-$t0)")")
done
ct="-"
if command -v copier >/dev/null; then
  mk_repo "$W/tc" copier
  (cd "$W" && copier copy --trust --defaults --vcs-ref v1.0.0 "$W/tc" cproj >/dev/null 2>&1 && cd cproj && git init -q -b main && git add -A && git commit -qm gen)
  team_edit "$W/cproj"
  cts=(); for ((r=0;r<RUNS && r<3;r++)); do
    rm -rf "$W/crun"; cp -a "$W/cproj" "$W/crun"
    t0=$(now); (cd "$W/crun" && copier update --trust --defaults --skip-answered >/dev/null 2>&1) || echo "copier update failed" >&2; t1=$(now)
    cts+=("$(python3 -c "print($t1-$t0)")")
  done
  ct=$(ms "${cts[@]}")
fi
echo "N=$N files_changed=$changed gomicro_ms=$(ms "${gmt[@]}") git_merge_ms=$(ms "${gt[@]}") copier_ms=$ct gomicro_rss_kb=$rss template_kb=$tsize"
