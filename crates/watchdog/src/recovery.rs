//! Carrying out a decision: restart in place (stop right to left from the failing resource,
//! start left to right, as ResourceManager orders a group) and handover (end the failing
//! resources here, then `hb_standby`). Before every step heartbeat is asked again whether the
//! group is still ours and not in transition: we never race a takeover or release.

use std::time::{Duration, Instant};

use ha_agent::record::{millis, StepRecord};
use heartbeat_config::Resource;

use crate::policy::Holding;
use crate::resources::Runner;

/// What a recovery did, step by step.
#[derive(Debug, Clone)]
pub struct Done {
    pub steps: Vec<StepRecord>,
    /// `Ok(summary)` or `Err(why it stopped)`.
    pub result: Result<String, String>,
}

/// Runs `f` as a named step and records it.
fn step<T>(
    steps: &mut Vec<StepRecord>,
    name: String,
    f: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
    let started = Instant::now();
    let result = f();
    steps.push(StepRecord {
        name,
        ms: millis(started.elapsed()),
        ok: result.is_ok(),
        error: result.as_ref().err().cloned(),
    });
    result
}

/// Fails unless heartbeat still says the group is ours and settled.
fn still_ours(holding: &dyn Fn() -> Holding) -> Result<(), String> {
    match holding() {
        Holding::Held => Ok(()),
        Holding::NotHeld => Err("heartbeat no longer has the group here: stopped".into()),
        Holding::Transition => {
            Err("heartbeat started a takeover or release: leaving the group to it".into())
        }
        Holding::Unknown(why) => Err(format!("heartbeat cannot be asked ({why}): stopped")),
    }
}

/// Stops `resources[from..]` right to left; the first failure ends the sequence.
fn stop_tail(
    runner: &Runner,
    resources: &[Resource],
    from: usize,
    steps: &mut Vec<StepRecord>,
) -> Result<(), String> {
    for r in resources.get(from..).unwrap_or_default().iter().rev() {
        step(steps, format!("stop {}", r.written), || {
            runner.act(r, "stop")
        })?;
    }
    Ok(())
}

/// Restart in place from `from`: stop right to left, start left to right.
pub fn restart(
    runner: &Runner,
    resources: &[Resource],
    from: usize,
    holding: &dyn Fn() -> Holding,
) -> Done {
    let started = Instant::now();
    let mut steps = Vec::new();
    let result = (|| {
        still_ours(holding)?;
        stop_tail(runner, resources, from, &mut steps).map_err(|e| {
            format!("{e}; nothing started again (what would not stop may still run)")
        })?;
        still_ours(holding)?;
        for r in resources.get(from..).unwrap_or_default() {
            step(&mut steps, format!("start {}", r.written), || {
                runner.act(r, "start")
            })?;
        }
        Ok(format!(
            "restarted in place in {:.1} s",
            started.elapsed().as_secs_f64()
        ))
    })();
    Done { steps, result }
}

/// Handover: end `resources[from..]` here (a hung master is killed by its agent's stop), and
/// only when they all stopped, `hb_standby SCOPE`; then wait up to `wait` for heartbeat to
/// release the group.
pub fn handover(
    runner: &Runner,
    resources: &[Resource],
    from: usize,
    holding: &dyn Fn() -> Holding,
    standby: &dyn Fn() -> Result<(), String>,
    wait: Duration,
) -> Done {
    let started = Instant::now();
    let mut steps = Vec::new();
    let result = (|| {
        still_ours(holding)?;
        stop_tail(runner, resources, from, &mut steps).map_err(|e| {
            format!(
                "{e}; not handing over while it may still run (never two masters on the same metadata)"
            )
        })?;
        still_ours(holding)?;
        step(&mut steps, "hb_standby".into(), standby)?;
        step(&mut steps, "wait for the release".into(), || {
            wait_released(holding, wait)
        })?;
        Ok(format!(
            "group released to the peer in {:.1} s",
            started.elapsed().as_secs_f64()
        ))
    })();
    Done { steps, result }
}

fn wait_released(holding: &dyn Fn() -> Holding, wait: Duration) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let now = holding();
        if now == Holding::NotHeld {
            return Ok(());
        }
        if started.elapsed() >= wait {
            let what = match now {
                Holding::Held => "the group held here".to_string(),
                Holding::Transition => "a transition in progress".to_string(),
                Holding::NotHeld => "the group released".to_string(),
                Holding::Unknown(why) => format!("nothing ({why})"),
            };
            return Err(format!(
                "heartbeat still reports {what} {} s after hb_standby",
                wait.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::cell::RefCell;
    use std::path::{Path, PathBuf};

    /// resource.d with scripts A, B, C that log `NAME ACTION` and fail when told to.
    struct Scripts {
        dir: tempfile::TempDir,
    }

    impl Scripts {
        fn new() -> Scripts {
            let dir = tempfile::tempdir().unwrap();
            for name in ["A", "B", "C"] {
                let script = dir.path().join(name);
                crate::test_support::write_script(
                    &script,
                    &format!(
                        "#!/bin/sh\nd={}\necho \"{name} $1\" >>$d/calls\n[ ! -e $d/fail-{name}-$1 ]\n",
                        dir.path().display()
                    ),
                );
            }
            Scripts { dir }
        }

        fn fail(&self, name: &str, action: &str) {
            std::fs::write(self.dir.path().join(format!("fail-{name}-{action}")), "").unwrap();
        }

        fn calls(&self) -> Vec<String> {
            std::fs::read_to_string(self.dir.path().join("calls"))
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect()
        }

        fn runner(&self) -> Runner {
            let mut config = Config::defaults(Path::new("/nonexistent"));
            config.resource_dir = PathBuf::from(self.dir.path());
            Runner::new(&config, "n1")
        }
    }

    fn group() -> Vec<Resource> {
        ["A", "B", "C"].iter().map(|w| Resource::parse(w)).collect()
    }

    fn held() -> Holding {
        Holding::Held
    }

    #[test]
    fn restart_stops_right_to_left_from_the_failing_one_then_starts_left_to_right() {
        let s = Scripts::new();
        let done = restart(&s.runner(), &group(), 1, &held);
        assert!(done.result.is_ok(), "{:?}", done.result);
        assert_eq!(s.calls(), ["C stop", "B stop", "B start", "C start"]);
        let names: Vec<&str> = done.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["stop C", "stop B", "start B", "start C"]);
    }

    #[test]
    fn a_failed_stop_starts_nothing() {
        let s = Scripts::new();
        s.fail("B", "stop");
        let done = restart(&s.runner(), &group(), 0, &held);
        let err = done.result.unwrap_err();
        assert!(
            err.contains("B stop failed") && err.contains("nothing started again"),
            "{err}"
        );
        assert_eq!(s.calls(), ["C stop", "B stop"]);
    }

    #[test]
    fn a_failed_start_stops_the_sequence() {
        let s = Scripts::new();
        s.fail("B", "start");
        let done = restart(&s.runner(), &group(), 1, &held);
        assert!(done.result.is_err());
        assert_eq!(s.calls(), ["C stop", "B stop", "B start"]);
    }

    #[test]
    fn a_transition_between_stops_and_starts_leaves_the_group_to_heartbeat() {
        let s = Scripts::new();
        let asked = RefCell::new(0);
        let holding = || {
            *asked.borrow_mut() += 1;
            match *asked.borrow() {
                1 => Holding::Held,
                _ => Holding::Transition,
            }
        };
        let done = restart(&s.runner(), &group(), 1, &holding);
        assert!(done.result.unwrap_err().contains("takeover or release"));
        assert_eq!(s.calls(), ["C stop", "B stop"], "nothing started");
    }

    #[test]
    fn nothing_is_touched_when_the_group_is_no_longer_ours() {
        let s = Scripts::new();
        let done = restart(&s.runner(), &group(), 0, &|| Holding::NotHeld);
        assert!(done.result.is_err());
        assert!(s.calls().is_empty());
    }

    #[test]
    fn handover_stops_here_first_then_asks_for_standby_and_waits_for_the_release() {
        let s = Scripts::new();
        let standby_called = RefCell::new(false);
        let holding = || match *standby_called.borrow() {
            false => Holding::Held,
            true => Holding::NotHeld,
        };
        let standby = || {
            *standby_called.borrow_mut() = true;
            Ok(())
        };
        let done = handover(
            &s.runner(),
            &group(),
            1,
            &holding,
            &standby,
            Duration::from_secs(5),
        );
        assert!(done.result.is_ok(), "{:?}", done.result);
        assert_eq!(s.calls(), ["C stop", "B stop"]);
        let names: Vec<&str> = done.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["stop C", "stop B", "hb_standby", "wait for the release"]
        );
    }

    #[test]
    fn no_standby_while_a_failing_resource_may_still_run() {
        let s = Scripts::new();
        s.fail("B", "stop");
        let standby_called = RefCell::new(false);
        let standby = || {
            *standby_called.borrow_mut() = true;
            Ok(())
        };
        let done = handover(
            &s.runner(),
            &group(),
            1,
            &held,
            &standby,
            Duration::from_secs(5),
        );
        let err = done.result.unwrap_err();
        assert!(err.contains("never two masters"), "{err}");
        assert!(!*standby_called.borrow());
    }

    #[test]
    fn a_release_that_never_comes_is_reported() {
        let s = Scripts::new();
        let done = handover(
            &s.runner(),
            &group(),
            2,
            &held,
            &|| Ok(()),
            Duration::from_secs(1),
        );
        let err = done.result.unwrap_err();
        assert!(err.contains("after hb_standby"), "{err}");
    }
}
