//! Runs one simulated request atomically: lock the state, let time pass, apply the request,
//! reconcile links, bring the real devices in line (attach, detach, read-only flag), save.

use crate::device::Host;
use crate::model::{AttachedDevice, SimState};
use crate::ops;
use crate::states::Role;
use crate::store::Store;
use anyhow::Result;

/// The simulator bound to a state directory and a host.
pub struct Engine<'a> {
    pub store: &'a Store,
    pub host: &'a mut dyn Host,
    /// Problems met while syncing devices that did not abort the request (printed as warnings).
    pub warnings: Vec<String>,
}

impl<'a> Engine<'a> {
    pub fn new(store: &'a Store, host: &'a mut dyn Host) -> Engine<'a> {
        Engine {
            store,
            host,
            warnings: Vec::new(),
        }
    }

    /// Applies `f` to the locked, up-to-date state and saves the result. Device attach
    /// failures abort the whole request (nothing is saved).
    pub fn transact<R>(
        &mut self,
        f: impl FnOnce(&mut SimState, &mut dyn Host, u64) -> R,
    ) -> Result<R> {
        let lock = self.store.lock()?;
        let mut st = self.store.load(&lock)?;
        let now = self.host.now_ms();
        let before = st.clone();
        ops::advance(&mut st, now);
        let r = f(&mut st, &mut *self.host, now);
        let names: Vec<String> = st.resources.keys().cloned().collect();
        for name in &names {
            ops::reconcile(&mut st, name, now);
        }
        let mut attached = Vec::new();
        if let Err(e) = self.sync_devices(&before, &mut st, &mut attached) {
            // Nothing is saved: do not leave the devices of this request behind.
            for (dev, image) in attached {
                let _ = self.host.detach(&dev, &image);
            }
            return Err(e);
        }
        if st != before || !self.store.exists() {
            self.store.save(&lock, &st)?;
        }
        Ok(r)
    }

    /// Reads the state (letting time pass) without a request.
    pub fn snapshot(&mut self) -> Result<SimState> {
        self.transact(|st, _, _| st.clone())
    }

    fn sync_devices(
        &mut self,
        before: &SimState,
        st: &mut SimState,
        attached: &mut Vec<(AttachedDevice, String)>,
    ) -> Result<()> {
        for res in st.resources.values_mut() {
            if !res.config.real_devices {
                continue;
            }
            let nodes = res.nodes.clone();
            for node in nodes {
                let device_path = res.device_path(&node);
                let image = res.config.image.clone();
                let old_role = before
                    .resources
                    .get(&res.name)
                    .and_then(|r| r.node_state.get(&node))
                    .map(|n| (n.up, n.role));
                let Some(ns) = res.node_state.get_mut(&node) else {
                    continue;
                };
                if ns.up && ns.device.is_none() {
                    let dev = self.host.attach(&image, &device_path)?;
                    attached.push((dev.clone(), image.clone()));
                    ns.device = Some(dev);
                }
                if !ns.up {
                    if let Some(dev) = ns.device.take() {
                        if let Err(e) = self.host.detach(&dev, &image) {
                            self.warnings.push(format!("{e:#}"));
                            ns.device = Some(dev);
                        }
                    }
                    continue;
                }
                let Some(dev) = ns.device.clone() else {
                    continue;
                };
                let primary = ns.role == Role::Primary;
                if let Err(e) = self.host.set_read_only(&dev, !primary) {
                    self.warnings.push(format!("{e:#}"));
                }
                if old_role != Some((true, ns.role)) {
                    // Drop cached blocks: the other node may have written the shared image.
                    if let Err(e) = self.host.flush_buffers(&dev) {
                        self.warnings.push(format!("{e:#}"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether `node`'s device of resource `name` is held open: a real holder, or the test
    /// harness said so (`drbd-sim set-open`).
    pub fn holders(st: &SimState, host: &mut dyn Host, name: &str, node: &str) -> Vec<String> {
        let Some(ns) = st.resources.get(name).and_then(|r| r.node_state.get(node)) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        if ns.forced_open {
            found.push("declared open by drbd-sim set-open".to_string());
        }
        if let Some(dev) = &ns.device {
            found.extend(host.holders(dev));
        }
        found
    }
}

#[cfg(test)]
pub mod fake {
    //! A host without devices or real time, for tests.
    use super::*;
    use crate::model::AttachedDevice;

    /// A handler's argv and environment, as the fake host received them.
    pub type HandlerCall = (Vec<String>, Vec<(String, String)>);

    #[derive(Debug, Default)]
    pub struct FakeHost {
        pub now: u64,
        pub slept: Vec<u64>,
        pub attached: Vec<String>,
        pub read_only: std::collections::BTreeMap<String, bool>,
        pub open: bool,
        /// The exit code the fence-peer handler gives (`None`: it cannot be run).
        pub handler_exit: Option<i32>,
        /// Every handler run: argv and environment.
        pub handler_runs: Vec<HandlerCall>,
    }

    impl Host for FakeHost {
        fn now_ms(&self) -> u64 {
            self.now
        }
        fn sleep_ms(&mut self, ms: u64) {
            self.slept.push(ms);
            self.now += ms;
        }
        fn create_image(&mut self, _path: &str, _size_kib: u64) -> Result<bool> {
            Ok(true)
        }
        fn remove_image(&mut self, _path: &str) -> Result<()> {
            Ok(())
        }
        fn attach(&mut self, _image: &str, node_path: &str) -> Result<AttachedDevice> {
            self.attached.push(node_path.to_string());
            Ok(AttachedDevice {
                loop_path: format!("/dev/fakeloop{}", self.attached.len()),
                major: 7,
                minor: u32::try_from(self.attached.len()).unwrap_or(0),
                node_path: node_path.to_string(),
                node_created: true,
            })
        }
        fn detach(&mut self, dev: &AttachedDevice, _image: &str) -> Result<()> {
            self.attached.retain(|p| *p != dev.node_path);
            Ok(())
        }
        fn set_read_only(&mut self, dev: &AttachedDevice, read_only: bool) -> Result<()> {
            self.read_only.insert(dev.node_path.clone(), read_only);
            Ok(())
        }
        fn flush_buffers(&mut self, _dev: &AttachedDevice) -> Result<()> {
            Ok(())
        }
        fn run_handler(
            &mut self,
            argv: &[String],
            env: &[(String, String)],
            _deadline_ms: u64,
        ) -> crate::fence::HandlerRun {
            self.handler_runs.push((argv.to_vec(), env.to_vec()));
            crate::fence::HandlerRun {
                code: self.handler_exit,
                output: String::new(),
            }
        }
        fn holders(&mut self, _dev: &AttachedDevice) -> Vec<String> {
            if self.open {
                vec!["mounted on /mnt".to_string()]
            } else {
                Vec::new()
            }
        }
    }
}
