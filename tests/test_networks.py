"""Real networks written as specs: torchvision's parameter counts, exactly, and no false alarms.

Every finding archlint makes on these networks is listed here, so a new false positive (or a
lost true finding) fails the suite. Each is one we would defend to the network's authors.
"""

import pytest

import archlint
from conftest import SAMPLES

NETWORKS = SAMPLES / "networks"

# torchvision.models.*: sum(p.numel() for p in model.parameters())
TORCHVISION_PARAMS = {
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "resnet18": 11_689_512,
    "resnet50": 25_557_032,
    "mobilenet_v2": 3_504_872,
    "squeezenet1_0": 1_248_424,
}

EXPECTED_FINDINGS = {
    "lenet5": [],
    "unet_small": [],
    "mobilenet_v2": [],
    # the 1×1 stride-2 projection shortcuts read one pixel in four (what ResNet-D fixes)
    "resnet18": [("stride-exceeds-kernel", f"layer{n}.0.downsample.0") for n in (2, 3, 4)],
    "resnet50": [("stride-exceeds-kernel", f"layer{n}.0.downsample.0") for n in (2, 3, 4)],
    # 7×7 stride 2 without padding on 224: the last row and column are never read
    "squeezenet1_0": [("non-integer-output", "features.0")],
    "alexnet": [("fc-parameter-dominance", "classifier.1")],
    "vgg16": [("fc-parameter-dominance", "classifier.0")],
}


@pytest.mark.parametrize("name,expected", TORCHVISION_PARAMS.items())
def test_parameter_counts_equal_torchvision(name, expected):
    assert archlint.check(NETWORKS / f"{name}.toml").analysis.total_params == expected


def test_lenet5_parameters():
    assert archlint.check(NETWORKS / "lenet5.toml").analysis.total_params == 61_706


@pytest.mark.parametrize("name,expected", EXPECTED_FINDINGS.items())
def test_findings_on_real_networks_are_exactly_these(name, expected):
    result = archlint.check(NETWORKS / f"{name}.toml")
    assert [(d.rule, d.layer) for d in result.diagnostics] == expected


def test_every_network_sample_is_covered():
    assert {p.stem for p in NETWORKS.glob("*.toml")} == set(EXPECTED_FINDINGS)


@pytest.mark.parametrize(
    "name,layer,shape",
    [
        ("resnet18", "maxpool", (64, 56, 56)),
        ("resnet18", "layer4.1.relu2", (512, 7, 7)),
        ("resnet50", "layer4.2.relu3", (2048, 7, 7)),
        ("vgg16", "features.30", (512, 7, 7)),
        ("alexnet", "features.12", (256, 6, 6)),
        ("mobilenet_v2", "features.18.2", (1280, 7, 7)),
        ("squeezenet1_0", "features.2", (96, 54, 54)),
        ("lenet5", "fc3", (10,)),
        ("unet_small", "head", (2, 64, 64)),
    ],
)
def test_known_activation_shapes(name, layer, shape):
    assert archlint.check(NETWORKS / f"{name}.toml").analysis.layers[layer].output == shape
