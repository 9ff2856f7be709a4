//! tract's code generation and decluttering (`TypedModel::optimize`, `declutter`), with the
//! graph patches applied without a scan that costs half of it and changes nothing.
//!
//! tract 0.23.9's `ModelPatch::apply` compares each node a patch adds with every node of the
//! graph, looking for a duplicate to reuse, but then adds the node and maps its outputs to it
//! whatever the scan found (its `continue` continues the scan, not the outer loop). With
//! hundreds of patches on graphs of hundreds of nodes, comparing operators (and, between
//! constants of one shape, their weights) took about half of `optimize`. Here the same passes
//! run in the same order to the same fixed point as tract's `OptimizerSession::optimize`, and
//! each patch is applied as tract applies it, without that scan. The unit tests check that the
//! graphs are the ones tract's `declutter` and `optimize` build, operator for operator and edge
//! for edge.

use std::collections::{BTreeSet, HashSet};
use tract_nnef::internal::*;
use tract_nnef::tract_core::model::{SpecialOps, STAGE_OPTIMIZED, TRACT_STAGE};
use tract_nnef::tract_core::optim::Optimizer;

/// What `model.declutter()` does (tract 0.23: `Optimizer::declutter()` run to a fixed point).
pub(super) fn declutter(model: &mut TypedModel) -> TractResult<()> {
    run(&Optimizer::declutter(), model)
}

/// What `model.optimize()` does (tract 0.23: `Optimizer::codegen()` run to a fixed point).
pub(super) fn optimize(model: &mut TypedModel) -> TractResult<()> {
    run(&Optimizer::codegen(), model)?;
    model.properties.insert(
        TRACT_STAGE.to_string(),
        rctensor0(STAGE_OPTIMIZED.to_string()),
    );
    Ok(())
}

/// tract's `OptimizerSession::optimize`: every pass in turn, each until it changes nothing,
/// rounds until a round changes nothing.
fn run(optimizer: &Optimizer, model: &mut TypedModel) -> TractResult<()> {
    let mut session = optimizer.session();
    // Patches marked "not twice" that were applied once.
    let mut seen: HashSet<String> = HashSet::new();
    let mut applied = 0usize;
    let _proof_cache = model.symbols.proof_cache_session();
    model.compact()?;
    loop {
        let round_start = applied;
        let mut passes = optimizer.passes.clone();
        for pass in passes.iter_mut() {
            // A pass runs again from the start of the graph until it changes nothing.
            loop {
                let pass_start = applied;
                pass.reset()?;
                while let Some(mut patch) = pass.next(&mut session, model)? {
                    if let Some(watchdog) = patch.dont_apply_twice.take() {
                        if !seen.insert(watchdog) {
                            continue;
                        }
                    }
                    apply(patch, model)?;
                    applied += 1;
                }
                pass.run_direct(model)?;
                if applied == pass_start {
                    break;
                }
                model.compact()?;
            }
            model.compact()?;
        }
        if applied == round_start {
            break;
        }
        model.compact()?;
    }
    Ok(())
}

/// `ModelPatch::apply` of tract 0.23.9 without its duplicate scan (see the module's comment).
fn apply(patch: TypedModelPatch, target: &mut TypedModel) -> TractResult<()> {
    let ModelPatch {
        model: patch,
        taps: mut mapping,
        shunts,
        obliterate,
        inputs: replaced_inputs,
        ..
    } = patch;
    // New node in the target → the patch outlets feeding it.
    let mut all_inputs = Vec::new();
    let mut model_input_outlets = target.input_outlets()?.to_vec();
    for node in patch.nodes {
        if TypedModel::is_source(&node.op) && mapping.contains_key(&OutletId::new(node.id, 0)) {
            // A tap: stands for an outlet of the target.
            continue;
        }
        let Node {
            id: patch_node_id,
            name,
            inputs,
            op,
            outputs,
        } = node;
        let n_outputs = outputs.len();
        let facts = outputs.into_iter().map(|of| of.fact).collect();
        let added = target.add_node(name, op, facts)?;
        for ix in 0..n_outputs {
            mapping.insert(OutletId::new(patch_node_id, ix), OutletId::new(added, ix));
        }
        all_inputs.push((added, inputs));
        if TypedModel::is_source(&target.node(added).op) {
            // An input of the model replaced.
            let replaced = replaced_inputs
                .get(&patch_node_id)
                .copied()
                .context("a source in a patch that neither taps nor replaces an input")?;
            for outlet in model_input_outlets.iter_mut() {
                if outlet.node == replaced {
                    outlet.node = added;
                }
            }
        }
    }
    let mut shunts: Vec<(OutletId, OutletId)> = shunts.into_iter().collect();
    shunts.sort();
    for &(outlet, by) in &shunts {
        let replace_by = mapping[&by];
        let succs = target.nodes[outlet.node].outputs[outlet.slot]
            .successors
            .clone();
        for succ in succs {
            target.add_edge(replace_by, succ)?;
        }
        for o in target.outputs.iter_mut() {
            if *o == outlet {
                *o = replace_by;
            }
        }
        if let Some(label) = target.outlet_labels.remove(&outlet) {
            target.set_outlet_label(replace_by, label)?;
        }
    }
    for (node, inputs) in &all_inputs {
        for (ix, input) in inputs.iter().enumerate() {
            target.add_edge(mapping[input], InletId::new(*node, ix))?;
        }
    }
    for node in obliterate {
        target.node_mut(node).op = target.create_dummy();
    }
    target.set_input_outlets(&model_input_outlets)?;
    // Nodes the shunts left without successors, and then their inputs, become dummies.
    let mut maybe_garbage: BTreeSet<usize> = shunts.iter().map(|(o, _)| o.node).collect();
    while let Some(maybe) = maybe_garbage.pop_first() {
        if !target.outputs.iter().any(|output| output.node == maybe)
            && !target.inputs.iter().any(|input| input.node == maybe)
            && target
                .node(maybe)
                .outputs
                .iter()
                .all(|of| of.successors.is_empty())
        {
            target.node_mut(maybe).op = target.create_dummy();
            target.node_mut(maybe).name = format!("Dummy-node-{maybe}");
            target.node_mut(maybe).outputs.clear();
            let inputs = std::mem::take(&mut target.node_mut(maybe).inputs);
            for &i in &inputs {
                target.node_mut(i.node).outputs[i.slot]
                    .successors
                    .retain(|s| s.node != maybe);
                maybe_garbage.insert(i.node);
            }
        }
    }
    for &(n, _) in &all_inputs {
        if let Some((prefix, _)) = target.nodes[n].name.split_once('#') {
            target.nodes[n].name = target.unique_name(prefix).into();
        } else if target
            .nodes
            .iter()
            .any(|node| node.id != n && target.nodes[n].name == node.name)
        {
            target.nodes[n].name = target.unique_name(&target.nodes[n].name).to_string();
        }
    }
    Ok(())
}
