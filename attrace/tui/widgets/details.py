"""The details pane: the selected event as a tree of decoded fields, its transaction and
its diagnostics; link nodes jump to the event they name."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from attrace.output import printable
from attrace.tui import palette
from attrace.tui.messages import JumpRequested
from attrace.tui.present import Node


class DetailsPane(Tree[int]):
    """A ``Tree`` whose nodes carry the event index they link to (or None)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("no event selected", id=id)
        self.show_root = True
        self.guide_depth = 3

    def show_node(self, node: Node) -> None:
        self.clear()
        self.root.set_label(printable(node.label))
        self.scroll_home(animate=False, immediate=True)
        self._add(self.root, node)
        self.root.expand_all()

    def _add(self, parent: TreeNode[int], node: Node) -> None:
        for child in node.children:
            style = palette.severity_style(child.style, self.app.current_theme.dark)
            label = Text(printable(child.label), style=style)
            if child.jump is not None:
                label.stylize("underline")
            if child.children:
                self._add(parent.add(label, data=child.jump), child)
            else:
                parent.add_leaf(label, data=child.jump)

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        if event.node.data is not None:
            event.stop()
            self.post_message(JumpRequested(event.node.data))
